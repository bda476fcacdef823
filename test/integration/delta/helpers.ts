import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DuckDBSession, quoteIdentifier, quoteLiteral } from '../../../src/core/lake/duckdb';
import { exportDeltaLake, type ExportDeltaOptions } from '../../../src/core/delta/exporter';
import { fsDeltaLogStore } from '../../../src/core/delta/fsLogStore';
import type { DeltaLogStore } from '../../../src/core/delta/logStore';
import type { DeltaExportReport, TableExportReport } from '../../../src/core/delta/report';

const run = promisify(execFile);
const extensionDirectory = process.env.LAKEHOUSE_DUCKDB_EXTENSIONS;

/** A real DuckLake: SQLite catalog + local data path, written through the ducklake extension. */
export class TestLake {
  private constructor(
    readonly dir: string,
    readonly session: DuckDBSession,
  ) {}

  get catalogPath(): string {
    return join(this.dir, 'metadata.db');
  }

  /** The lakehouse Tables/ root = DuckLake DATA_PATH. */
  get tablesRoot(): string {
    return join(this.dir, 'Tables');
  }

  static async create(options: { inliningRowLimit?: number } = {}): Promise<TestLake> {
    const dir = await mkdtemp(join(tmpdir(), 'delta-lake-'));
    const session = await DuckDBSession.open({ extensionDirectory, threads: 2 });
    await session.loadExtensions(['ducklake', 'sqlite_scanner']);
    await session.run(
      `ATTACH ${quoteLiteral(`ducklake:sqlite:${join(dir, 'metadata.db')}`)} AS lake ` +
        `(DATA_PATH ${quoteLiteral(join(dir, 'Tables') + '/')}, DATA_INLINING_ROW_LIMIT ${options.inliningRowLimit ?? 0})`,
    );
    await session.run('USE lake');
    await session.run('SET TimeZone = UTC');
    return new TestLake(dir, session);
  }

  sql(text: string): Promise<void> {
    return this.session.run(text);
  }

  all<T extends Record<string, unknown>>(text: string): Promise<T[]> {
    return this.session.all<T>(text);
  }

  /** Exports with a fresh DuckDB session, as the publish step would. */
  async export(options: Partial<ExportDeltaOptions> & { store?: DeltaLogStore } = {}): Promise<DeltaExportReport> {
    const session = await DuckDBSession.open({ extensionDirectory, threads: 2 });
    try {
      return await exportDeltaLake({
        session,
        catalogPath: this.catalogPath,
        store: options.store ?? fsDeltaLogStore(this.tablesRoot),
        ...options,
      });
    } finally {
      session.close();
    }
  }

  /** Queries the catalog's own tables through a separate read-only SQLite attach. */
  async catalog<T extends Record<string, unknown>>(text: string): Promise<T[]> {
    const session = await DuckDBSession.open({ extensionDirectory, threads: 1 });
    try {
      await session.loadExtensions(['sqlite_scanner']);
      await session.run(`ATTACH ${quoteLiteral(this.catalogPath)} AS meta (TYPE sqlite, READ_ONLY); USE meta`);
      return await session.all<T>(text);
    } finally {
      session.close();
    }
  }

  /** Order-independent content hash of a DuckLake table (at its current snapshot). */
  async lakeHash(table: string): Promise<TableContent> {
    return contentHash(this.session, `SELECT * FROM lake.${table}`);
  }

  async close(): Promise<void> {
    this.session.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

export interface TableContent {
  rows: number;
  hash: string;
}

/**
 * Hash of a relation's rows that every reader agrees on: columns in name
 * order (readers may move partition columns), TIMESTAMPTZ shown as UTC
 * wall-clock (Delta `timestamp` comes back with a zone, DuckLake TIMESTAMP
 * without), JSON as its text, each row as JSON, rows sorted.
 */
export async function contentHash(session: DuckDBSession, relation: string): Promise<TableContent> {
  await session.run('SET TimeZone = UTC');
  const columns = await session.all<{ column_name: string; column_type: string }>(`DESCRIBE ${relation}`);
  const fields = [...columns]
    .sort((a, b) => (a.column_name < b.column_name ? -1 : 1))
    .map((c) => {
      const ref = quoteIdentifier(c.column_name);
      // JSON is exported as a Delta string: compare its text.
      const value =
        c.column_type === 'TIMESTAMP WITH TIME ZONE'
          ? `${ref}::TIMESTAMP`
          : c.column_type === 'JSON'
            ? `${ref}::VARCHAR`
            : ref;
      return `${ref} := ${value}`;
    });
  const [row] = await session.all<{ rows: bigint; hash: string | null }>(
    `SELECT count(*) AS rows, md5(string_agg(j, chr(10) ORDER BY j)) AS hash
     FROM (SELECT to_json(struct_pack(${fields.join(', ')}))::VARCHAR AS j FROM (${relation}) r)`,
  );
  return { rows: Number(row!.rows), hash: row!.hash ?? 'empty' };
}

/** Reader 1: DuckDB's delta extension (delta-kernel-rs). */
export async function readWithDuckDBDelta(folder: string): Promise<TableContent> {
  const session = await DuckDBSession.open({ extensionDirectory, threads: 2 });
  try {
    await session.loadExtensions(['delta']);
    return await contentHash(session, `SELECT * FROM delta_scan(${quoteLiteral(folder)})`);
  } finally {
    session.close();
  }
}

export const peerPython = join(
  process.env.LAKEHOUSE_PEER_VENV ?? join(homedir(), '.cache/lakehouse-dev/py-peers'),
  'bin/python',
);

// Exits with os._exit once the result is written: under load, delta-rs's native threads
// sometimes abort during interpreter teardown ("terminate called without an active
// exception") after the work is done, which failed the crash matrix with nothing wrong.
const DELTA_RS_SCRIPT = `
import json, os, sys
import deltalake, pyarrow.parquet as pq
dt = deltalake.DeltaTable(sys.argv[1])
table = dt.to_pyarrow_table()
pq.write_table(table, sys.argv[2])
print(json.dumps({"version": dt.version(), "files": len(dt.file_uris()), "rows": table.num_rows}))
sys.stdout.flush()
os._exit(0)
`;

export interface DeltaRsResult extends TableContent {
  version: number;
  files: number;
}

/** Reader 2: delta-rs (Python `deltalake`), content written to Parquet and hashed by DuckDB. */
export async function readWithDeltaRs(folder: string): Promise<DeltaRsResult> {
  if (!existsSync(peerPython)) throw new Error(`delta-rs peer missing at ${peerPython}: run npm run provision:peers`);
  const out = join(await mkdtemp(join(tmpdir(), 'delta-rs-')), 'table.parquet');
  try {
    const { stdout } = await run(peerPython, ['-c', DELTA_RS_SCRIPT, folder, out]);
    const meta = JSON.parse(stdout.trim().split('\n').pop()!) as { version: number; files: number; rows: number };
    const session = await DuckDBSession.open({ threads: 2 });
    try {
      const content = await contentHash(session, `SELECT * FROM read_parquet(${quoteLiteral(out)})`);
      return { ...content, version: meta.version, files: meta.files };
    } finally {
      session.close();
    }
  } finally {
    await rm(join(out, '..'), { recursive: true, force: true });
  }
}

/** Both independent readers plus the lake's own rows. */
export async function readAll(lake: TestLake, table: string, folder: string) {
  const [expected, duckdb, deltaRs] = [
    await lake.lakeHash(table),
    await readWithDuckDBDelta(folder),
    await readWithDeltaRs(folder),
  ];
  return { expected, duckdb, deltaRs };
}

export function tableReport(report: DeltaExportReport, name: string): TableExportReport {
  const found = report.tables.find((t) => `${t.schema}.${t.name}` === name || t.name === name);
  if (!found) throw new Error(`no report for ${name}: ${report.tables.map((t) => `${t.schema}.${t.name}`).join(', ')}`);
  return found;
}

export async function logFiles(folder: string): Promise<string[]> {
  return (await readdir(join(folder, '_delta_log'))).filter((n) => !n.startsWith('.')).sort();
}
