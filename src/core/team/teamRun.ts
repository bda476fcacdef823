import type { ProjectInvocation } from '../run/runLocal';
import type { LakehouseEntry } from '../config/lakehouseConfig';
import { exportDeltaLake, type DeltaExportReport } from '../delta';
import { POSTGRES_CATALOG_PREFIX } from '../ducklake/catalogReader';
import { LakehouseError } from '../errors';
import { DuckDBSession, quoteLiteral, type DuckDBOptions } from '../lake/duckdb';
import { redactSecrets } from '../config/credentials';
import { remoteDataPrefix } from '../lake/dataPrefix';
import { executeProject, type RunSummary } from '../models';
import { blobDeltaLogStore } from '../publish/blobDeltaLogStore';
import type { LakehouseStore, StorageAuth } from '../storage/blobStore';
import { silentProgress, throwIfCancelled, type Progress } from '../util/progress';
import { grantLakehouseStorage } from './duckdbStorage';
import { checkPostgresNotRetired } from './migrate';

/** How many times a node that lost a commit race is run again before the run reports it failed. */
export const DEFAULT_CONFLICT_RETRIES = 8;
/** How many times the Delta export is repeated when another writer kept winning a table's next log version. */
const EXPORT_ROUNDS = 4;

export interface TeamRunOptions extends ProjectInvocation {
  entry: LakehouseEntry;
  /** The PostgreSQL connection string (from the variable lakehouse.yml names, or SecretStorage). Never logged. */
  connection: string;
  store: LakehouseStore;
  auth: StorageAuth;
  /** Stamped on every commit as the DuckLake snapshot's author. */
  author: string;
  conflictRetries?: number;
  /** Write the Delta logs after the run (default: yes, except for `test`). */
  exportDelta?: boolean;
  progress?: Progress;
  /** Testing aid: runs before each node's COMMIT (e.g. to commit a conflicting change first). */
  beforeCommit?: (node: string) => Promise<void>;
}

export interface TeamRunResult {
  run: RunSummary;
  /** Commits that lost a race with another writer and were run again. */
  conflicts: number;
  delta?: DeltaExportReport;
}

/** `ducklake:postgres:<connection>`: the attach path of a team catalog. */
export function teamAttachPath(connection: string): string {
  return `ducklake:postgres:${connection}`;
}

/**
 * Team mode: the project's models commit straight to the PostgreSQL DuckLake
 * catalog, their Parquet written straight to the lakehouse's Tables/ (so the
 * catalog never names a file that is not there). No lease, no pull, no
 * publish: DuckLake's transactions keep concurrent writers apart, and a node
 * whose commit lost a race is run again. The Delta logs follow the run.
 */
export async function runOnTeamCatalog(options: TeamRunOptions): Promise<TeamRunResult> {
  if (options.entry.catalogStore?.kind !== 'postgres')
    throw new LakehouseError('config', `'${options.entry.name}' does not have a PostgreSQL catalog.`);
  const progress = options.progress ?? silentProgress;
  const command = options.command ?? 'run';
  let conflicts = 0;
  const session = await DuckDBSession.open(options.duckdb);
  let run: RunSummary;
  let dataPath: string;
  try {
    await checkPostgresNotRetired(session, options.connection);
    dataPath = await grantLakehouseStorage(session, options.entry.location, options.auth);
    await ensureTeamCatalog(session, options.connection, dataPath);
    run = await executeProject(command, {
      session,
      projectDir: options.projectDir,
      target: options.target,
      select: options.select,
      exclude: options.exclude,
      fullRefresh: options.fullRefresh,
      vars: options.vars,
      signal: options.signal,
      catalogOverride: {
        catalogPath: '',
        dataPath,
        attachPath: teamAttachPath(options.connection),
        // Every row goes to Parquet: Fabric (through Delta) cannot see rows kept inside the catalog.
        attachOptions: { data_inlining_row_limit: 0 },
      },
      commitPolicy: {
        author: options.author,
        message: `lakehouse ${command}`,
        conflictRetries: options.conflictRetries ?? DEFAULT_CONFLICT_RETRIES,
        beforeCommit: options.beforeCommit,
        onConflict: (node, attempt) => {
          conflicts++;
          const message = `${node}: another writer committed first; running it again (attempt ${attempt + 1})`;
          progress.report({ message });
          options.onEvent?.({ kind: 'log', message });
        },
      },
      onEvent: (event) => {
        if (event.kind === 'started')
          progress.report({ message: `${event.node.name} (${event.index + 1}/${event.total})` });
        options.onEvent?.(event);
      },
    });
  } finally {
    session.close();
  }
  if (options.exportDelta === false || (options.exportDelta === undefined && command === 'test'))
    return { run, conflicts };
  throwIfCancelled(options.signal, 'Run');
  const delta = await exportTeamDelta({ ...options, dataPath, progress });
  return { run, conflicts, delta };
}

/**
 * The Delta logs (and Iceberg metadata, when on) of every table, from the
 * catalog's latest snapshot. Safe with other writers exporting at once: each
 * log version and each Iceberg metadata version is put-if-absent, a loser
 * re-reads and plans again, and a log already written from a newer snapshot is
 * left alone. A table skipped because others kept winning is tried again.
 */
export async function exportTeamDelta(options: {
  entry: LakehouseEntry;
  connection: string;
  store: LakehouseStore;
  auth: StorageAuth;
  duckdb: DuckDBOptions;
  dataPath?: string;
  signal?: AbortSignal;
  progress?: Progress;
}): Promise<DeltaExportReport> {
  const session = await DuckDBSession.open(options.duckdb);
  try {
    const dataPath = await grantLakehouseStorage(session, options.entry.location, options.auth);
    const store = blobDeltaLogStore(
      options.store,
      remoteDataPrefix(options.dataPath ?? dataPath, options.entry.location),
    );
    let report: DeltaExportReport | undefined;
    for (let round = 0; round < EXPORT_ROUNDS; round++) {
      report = await exportDeltaLake({
        session,
        catalogPath: `${POSTGRES_CATALOG_PREFIX}${options.connection}`,
        store,
        dataPath,
        // Iceberg beside Delta when the entry (or, in the editor, the lakehouse.export.iceberg setting) turns it on.
        iceberg: options.entry.iceberg === true,
        signal: options.signal,
        progress: options.progress,
      });
      const lost =
        report.tables.some((t) => t.skipped?.code === 'conflict' || t.iceberg?.skipped?.code === 'conflict') ||
        report.dropped.some((d) => d.delta === 'conflict');
      if (!lost) break;
    }
    return report!;
  } finally {
    session.close();
  }
}

/**
 * The first ATTACH of an empty database lays out DuckLake's tables; several
 * writers starting on a new catalog at once race to do it and all but one fail
 * on PostgreSQL's unique names. The losers attach again and find it made.
 */
async function ensureTeamCatalog(session: DuckDBSession, connection: string, dataPath: string): Promise<void> {
  await session.loadExtensions(['ducklake', 'postgres_scanner']);
  for (let attempt = 1; ; attempt++) {
    try {
      await session.run(
        `ATTACH ${quoteLiteral(teamAttachPath(connection))} AS team_layout (DATA_PATH ${quoteLiteral(dataPath)}, DATA_INLINING_ROW_LIMIT 0)`,
      );
      await session.run('DETACH team_layout');
      return;
    } catch (error) {
      if (attempt >= 5 || !/duplicate key|already exists|conflict/i.test(String(error))) {
        throw new LakehouseError(
          'catalog-unreachable',
          redactSecrets(
            `Cannot attach the PostgreSQL catalog: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
          ),
          'Check the connection string and that the server is up and the database exists.',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt + Math.floor(Math.random() * 200)));
    }
  }
}
