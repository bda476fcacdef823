import { resolve } from 'node:path';
import { postgresConnection } from '../core/config/catalogStore';
import type { LakehouseEntry } from '../core/config/lakehouseConfig';
import { LakehouseError } from '../core/errors';
import type { RunCommand, RunEvent } from '../core/models';
import { authFor, openLakehouseStore } from '../core/storage/blobStore';
import { runOnTeamCatalog } from '../core/team/teamRun';
import { formatRunSummary } from '../core/run/summary';
import { RunFailedError } from '../core/run/runOnLakehouse';
import { cliCredential, cliDuckDBOptions, cliHolder, type CliEnv } from './context';
import type { Output } from './output';

export interface TeamRunCliOptions {
  select?: string[];
  exclude?: string[];
  fullRefresh?: boolean;
  publish?: boolean;
  runner: string;
  project?: string;
  target?: string;
  vars?: Record<string, unknown>;
  holder?: string;
}

/** `lakehouse run|build|test|seed` on a lakehouse whose catalog is PostgreSQL: commit straight to it, no lease. */
export async function runTeamCli(
  entry: LakehouseEntry,
  command: RunCommand,
  opts: TeamRunCliOptions,
  cli: CliEnv,
  out: Output,
  signal: AbortSignal,
  describeEvent: (event: RunEvent) => void,
): Promise<void> {
  if (opts.runner !== 'builtin')
    throw new LakehouseError(
      'usage',
      `A PostgreSQL catalog runs with the built-in runner only (dbt would attach its own catalog).`,
      'Leave out --runner dbt.',
    );
  const connection = postgresConnection(entry.catalogStore!, entry.name, cli.env);
  const auth = authFor(entry.location, await cliCredential(entry, cli.env));
  const store = await openLakehouseStore(entry.location, auth);
  const result = await runOnTeamCatalog({
    entry,
    connection,
    store,
    auth,
    duckdb: cliDuckDBOptions(cli),
    projectDir: resolve(cli.cwd, opts.project ?? entry.project ?? '.'),
    command,
    author: cliHolder(opts.holder, cli),
    target: opts.target,
    select: opts.select,
    exclude: opts.exclude,
    fullRefresh: opts.fullRefresh,
    vars: opts.vars,
    signal,
    onEvent: describeEvent,
  });
  const delta = result.delta;
  const text = [
    'Committed to the PostgreSQL catalog (many writers, no lease).',
    formatRunSummary(result.run),
    result.conflicts ? `${result.conflicts} commit(s) lost a race with another writer and were run again.` : '',
    delta
      ? `Delta: ${delta.tables.filter((t) => t.status === 'created' || t.status === 'updated').length} table(s) written at snapshot ${delta.snapshotId}.`
      : '',
    delta?.tables.some((t) => t.iceberg)
      ? `Iceberg: ${delta.tables.filter((t) => t.iceberg?.status === 'created' || t.iceberg?.status === 'updated').length} table(s) written${
          delta.tables.some((t) => t.iceberg?.status === 'skipped')
            ? `; skipped: ${delta.tables
                .filter((t) => t.iceberg?.status === 'skipped')
                .map((t) => `${t.schema}.${t.name} (${t.iceberg?.skipped?.message})`)
                .join(', ')}`
            : ''
        }.`
      : '',
    opts.publish ? 'Nothing to publish: every commit already landed in the shared catalog.' : '',
  ].filter(Boolean);
  out.result(text.join('\n'), {
    ok: result.run.success,
    catalog: 'postgres',
    conflicts: result.conflicts,
    run: {
      ...result.run,
      results: result.run.results.map(({ error, compiledCode: _c, ...rest }) => ({ ...rest, error: error?.message })),
    },
    delta: delta && {
      snapshotId: delta.snapshotId,
      tables: delta.tables.map((t) => ({
        folder: t.folder,
        status: t.status,
        version: t.version,
        skipped: t.skipped,
        ...(t.iceberg
          ? { iceberg: { status: t.iceberg.status, version: t.iceberg.version, skipped: t.iceberg.skipped } }
          : {}),
      })),
    },
  });
  if (!result.run.success) throw new RunFailedError(result.run);
}
