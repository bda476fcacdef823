import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DuckDBSession, quoteLiteral } from '../../../src/core/lake/duckdb';
import { contentHash, peerPython, type TableContent, type TestLake } from '../delta/helpers';

const run = promisify(execFile);
const extensionDirectory = process.env.LAKEHOUSE_DUCKDB_EXTENSIONS;

/** The metadata file `version-hint.text` points at, as a reader given only the folder would pick. */
export async function currentMetadataFile(tableFolder: string): Promise<string> {
  const version = (await readFile(join(tableFolder, 'metadata', 'version-hint.text'), 'utf8')).trim();
  return join(tableFolder, 'metadata', `v${version}.metadata.json`);
}

/** Iceberg reader 1: DuckDB's `iceberg` extension, given the table folder (it follows version-hint.text). */
export async function readWithDuckDBIceberg(tableFolder: string): Promise<TableContent> {
  const session = await DuckDBSession.open({ extensionDirectory, threads: 2 });
  try {
    await session.loadExtensions(['avro', 'iceberg']);
    return await contentHash(session, `SELECT * FROM iceberg_scan(${quoteLiteral(tableFolder)})`);
  } finally {
    session.close();
  }
}

// os._exit as in the delta-rs reader: native threads must not turn a finished read into a crash at teardown.
const PYICEBERG_SCRIPT = `
import json, os, sys
import pyarrow.parquet as pq
from pyiceberg.table import StaticTable
t = StaticTable.from_metadata(sys.argv[1])
scan = t.scan()
table = scan.to_arrow()
pq.write_table(table, sys.argv[2])
snap = t.current_snapshot()
print(json.dumps({"snapshot": snap.snapshot_id if snap else None, "files": len(list(scan.plan_files())), "rows": table.num_rows}))
sys.stdout.flush()
os._exit(0)
`;

export interface PyIcebergResult extends TableContent {
  snapshot: number | null;
  files: number;
}

/** Iceberg reader 2: pyiceberg's StaticTable over one metadata file; rows hashed by DuckDB. */
export async function readWithPyIceberg(metadataFile: string): Promise<PyIcebergResult> {
  if (!existsSync(peerPython)) throw new Error(`pyiceberg peer missing at ${peerPython}: run npm run provision:peers`);
  const out = join(await mkdtemp(join(tmpdir(), 'pyiceberg-')), 'table.parquet');
  try {
    const { stdout } = await run(peerPython, ['-c', PYICEBERG_SCRIPT, metadataFile, out]);
    const meta = JSON.parse(stdout.trim().split('\n').pop()!) as {
      snapshot: number | null;
      files: number;
      rows: number;
    };
    const session = await DuckDBSession.open({ threads: 2 });
    try {
      const content = await contentHash(session, `SELECT * FROM read_parquet(${quoteLiteral(out)})`);
      return { ...content, snapshot: meta.snapshot, files: meta.files };
    } finally {
      session.close();
    }
  } finally {
    await rm(join(out, '..'), { recursive: true, force: true });
  }
}

/** The lake's rows and both Iceberg readers' rows of one table folder. */
export async function readIceberg(lake: TestLake, table: string, folder: string) {
  const expected = await lake.lakeHash(table);
  const duckdb = await readWithDuckDBIceberg(folder);
  const py = await readWithPyIceberg(await currentMetadataFile(folder));
  return { expected, duckdb, pyiceberg: { rows: py.rows, hash: py.hash }, pyFiles: py.files, pySnapshot: py.snapshot };
}
