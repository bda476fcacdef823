import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { LakehouseError } from '../errors';
import { listLog, replayLog } from '../delta/logReader';
import { DuckDBSession, quoteIdentifier, quoteLiteral } from '../lake/duckdb';
import { blobDeltaLogStore } from '../publish/blobDeltaLogStore';
import { openLakehouseStore, RequestCounter, type StorageAuth } from '../storage/blobStore';
import type { LakehouseLocation } from '../storage/location';
import { listFolders } from '../storage/tableListing';
import { deltaFields, duckdbTypeOf } from './deltaTypes';
import { rowsOf } from './duckdbRows';
import { loadExtensions } from './extensions';
import { createStorageSecret } from './storageSecret';
import type { PublishedTargetSpec } from './targets';
import type { RequestCounts } from './types';

interface CachedTable {
  schema: string;
  name: string;
  version: number;
  /** File URLs DuckDB reads. */
  files: string[];
  columns: { name: string; type: string }[];
}

interface CachedLakehouse {
  loadedAt: number;
  tables: Map<string, CachedTable>;
}

/** Requests our own code made to storage while refreshing (DuckDB's are read from its HTTP log). */
interface OwnCounts {
  log: number;
  list: number;
  data: number;
}

export interface PublishedSession {
  cached: boolean;
  /** Every storage request of this query by kind: ours (log reads, listings) and DuckDB's (from its HTTP log). */
  counts(conn: DuckDBConnection): Promise<RequestCounts>;
}

/**
 * The lakehouse's Delta tables as Fabric reads them: the Delta log decides
 * which Parquet files make up each table (read with this project's own log
 * reader, through a request-counting store), and DuckDB reads exactly those
 * files over the blob endpoint as views `<schema>.<table>` in a database of
 * their own. The log and file list are kept for the staleness budget: within
 * it a query makes no log or listing request at all; after it, one listing
 * per table finds whether the log moved, and only new logs are read.
 */
export class PublishedTables {
  private readonly cache = new Map<string, CachedLakehouse>();
  private helper?: DuckDBSession;
  private tempDirectory?: string;
  private loggingOn = false;

  constructor(
    private readonly extensionDirectory: string | undefined,
    private readonly now: () => number = () => Date.now(),
  ) {}

  async use(conn: DuckDBConnection, spec: PublishedTargetSpec, stalenessMs: number): Promise<PublishedSession> {
    await loadExtensions(conn, ['azure'], this.extensionDirectory);
    const database = databaseName(spec);
    await conn.run(`ATTACH IF NOT EXISTS ':memory:' AS ${quoteIdentifier(database)}`);
    await this.secret(conn, spec);
    if (!this.loggingOn) {
      await conn.run(`CALL enable_logging('HTTP')`);
      this.loggingOn = true;
    }
    await conn.run('CALL truncate_duckdb_logs()');
    const key = cacheKey(spec);
    const entry = this.cache.get(key);
    const own: OwnCounts = { log: 0, list: 0, data: 0 };
    const fresh = entry !== undefined && stalenessMs > 0 && this.now() - entry.loadedAt <= stalenessMs;
    if (!fresh) {
      const refreshed = await this.refresh(spec, entry, own);
      await this.createViews(conn, database, refreshed, entry);
      this.cache.set(key, refreshed);
    }
    await conn.run(`USE ${quoteIdentifier(database)}`);
    return {
      cached: fresh,
      counts: async (c) => {
        const duck = await duckdbRequests(c);
        const log = own.log + duck.log;
        const list = own.list + duck.list;
        const data = own.data + duck.data;
        return { log, list, data, total: log + list + data };
      },
    };
  }

  close(): void {
    this.helper?.close();
    if (this.tempDirectory) rmSync(this.tempDirectory, { recursive: true, force: true });
  }

  /** Lists schemas and tables, then each table's log; re-reads a log only when its latest version moved. */
  private async refresh(
    spec: PublishedTargetSpec,
    previous: CachedLakehouse | undefined,
    own: OwnCounts,
  ): Promise<CachedLakehouse> {
    // Counted as they leave for the wire (retries and the SDK's own HEADs included), by kind.
    const store = await openLakehouseStore(locationOf(spec), storageAuth(spec), new KindCounter(own));
    const logs = blobDeltaLogStore(store, spec.tablesPrefix);
    const tables = new Map<string, CachedTable>();
    const folders = (path: string) => listFolders(store, path);
    for (const schema of await folders(spec.tablesPrefix)) {
      for (const name of await folders(`${spec.tablesPrefix}${schema}`)) {
        const folder = `${schema}/${name}/`;
        const listing = await listLog(logs, folder);
        if (listing.latest === undefined) continue; // a folder without a Delta log is not a table Fabric shows
        const key = `${schema}.${name}`;
        const old = previous?.tables.get(key);
        if (old && old.version === listing.latest) {
          tables.set(key, old);
        } else {
          const state = await replayLog(
            { store: logs, session: await this.helperSession(), tempDirectory: this.tempDir() },
            folder,
            listing,
          );
          if (state.metaData?.partitionColumns?.length)
            throw new LakehouseError(
              'unsupported-table',
              `Published table ${key} is partitioned by ${state.metaData.partitionColumns.join(', ')}; partitioned Delta tables cannot be queried here yet.`,
              'Query it on the local target instead.',
            );
          const base = fileBase(spec, folder);
          tables.set(key, {
            schema,
            name,
            version: state.version,
            files: [...state.files.keys()].map((p) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(p) ? p : base + p)),
            columns: deltaFields(state.metaData?.schemaString).map((f) => ({
              name: f.name,
              type: duckdbTypeOf(f.type),
            })),
          });
        }
      }
    }
    return { loadedAt: this.now(), tables };
  }

  private async createViews(
    conn: DuckDBConnection,
    database: string,
    next: CachedLakehouse,
    previous: CachedLakehouse | undefined,
  ): Promise<void> {
    const db = quoteIdentifier(database);
    for (const [key, table] of previous?.tables ?? []) {
      if (!next.tables.has(key))
        await conn.run(`DROP VIEW IF EXISTS ${db}.${quoteIdentifier(table.schema)}.${quoteIdentifier(table.name)}`);
    }
    for (const [key, table] of next.tables) {
      if (previous?.tables.get(key) === table) continue;
      const schema = `${db}.${quoteIdentifier(table.schema)}`;
      await conn.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      const name = `${schema}.${quoteIdentifier(table.name)}`;
      const select = table.columns.length ? table.columns.map((c) => quoteIdentifier(c.name)).join(', ') : '*';
      const body =
        table.files.length > 0
          ? `SELECT ${select} FROM read_parquet([${table.files.map(quoteLiteral).join(', ')}], union_by_name = true)`
          : `SELECT ${table.columns.map((c) => `CAST(NULL AS ${c.type}) AS ${quoteIdentifier(c.name)}`).join(', ') || 'NULL AS empty'} WHERE false`;
      await conn.run(`CREATE OR REPLACE VIEW ${name} AS ${body}`);
    }
  }

  /** The DuckDB secret for this lakehouse's storage; replaced on every use so a refreshed token takes effect. */
  private async secret(conn: DuckDBConnection, spec: PublishedTargetSpec): Promise<void> {
    const scope = spec.auth.kind === 'sharedKey' ? `az://${spec.container}/` : fileBase(spec, '');
    await createStorageSecret(conn, `${databaseName(spec)}_storage`, spec, scope);
  }

  private async helperSession(): Promise<DuckDBSession> {
    this.helper ??= await DuckDBSession.open({ extensionDirectory: this.extensionDirectory, threads: 1 });
    return this.helper;
  }

  private tempDir(): string {
    this.tempDirectory ??= mkdtempSync(join(tmpdir(), 'lakehouse-query-delta-'));
    return this.tempDirectory;
  }
}

/** Counts our storage requests into `own` by kind: listings, Delta log reads, anything else as data. */
class KindCounter extends RequestCounter {
  constructor(private readonly own: OwnCounts) {
    super();
  }

  override record(method: string, url?: string): void {
    super.record(method, url);
    const kind = requestKind(url ?? '');
    this.own[kind]++;
  }
}

function requestKind(url: string): 'log' | 'list' | 'data' {
  if (/[?&]comp=list/.test(url)) return 'list';
  let path = url;
  try {
    path = decodeURIComponent(new URL(url).pathname);
  } catch {
    // not a URL: classify the text as it is
  }
  return path.includes('/_delta_log/') ? 'log' : 'data';
}

function cacheKey(spec: PublishedTargetSpec): string {
  return [spec.lakehouse, spec.accountUrl, spec.container, spec.item, spec.tablesPrefix].join('\0');
}

function databaseName(spec: PublishedTargetSpec): string {
  return `published_${spec.lakehouse.replace(/[^\w]/g, '_')}`;
}

function locationOf(spec: PublishedTargetSpec): LakehouseLocation {
  return {
    uri: `${spec.accountUrl}/${spec.container}/${spec.item}`,
    kind: spec.locationKind,
    accountUrl: spec.accountUrl,
    container: spec.container,
    item: spec.item,
  };
}

function storageAuth(spec: PublishedTargetSpec): StorageAuth {
  const auth = spec.auth;
  if (auth.kind === 'sharedKey') return auth;
  return {
    kind: 'token',
    credential: { getToken: async () => ({ token: auth.token, expiresOnTimestamp: auth.expiresOnTimestamp }) },
  };
}

/** Where DuckDB finds a table folder's files: az:// through the blob endpoint, abfss:// on OneLake. */
function fileBase(spec: PublishedTargetSpec, folder: string): string {
  const path = `${spec.item}/${spec.tablesPrefix}${folder}`;
  return spec.locationKind === 'onelake'
    ? `abfss://${spec.container}@onelake.dfs.fabric.microsoft.com/${path}`
    : `az://${spec.container}/${path}`;
}

/** DuckDB's own storage requests since the last truncate, by kind, from its HTTP log. */
async function duckdbRequests(conn: DuckDBConnection): Promise<{ log: number; list: number; data: number }> {
  const counts = { log: 0, list: 0, data: 0 };
  for (const [message] of await rowsOf(conn, `SELECT message FROM duckdb_logs WHERE type = 'HTTP'`)) {
    counts[requestKind(/'url': '([^']*)'/.exec(String(message))?.[1] ?? '')]++;
  }
  return counts;
}
