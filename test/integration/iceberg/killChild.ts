/**
 * Runs one Delta + Iceberg export and SIGKILLs itself at a chosen point of the
 * Iceberg commit (bundled and started by crash.test.ts):
 *   manifest       right after a manifest is written
 *   manifest-list  right after the manifest list is written
 *   metadata-temp  after a half-written hidden temp file of the metadata version
 *   hint           after v<N>.metadata.json exists, before version-hint.text follows it
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportDeltaLake } from '../../../src/core/delta/exporter';
import { fsDeltaLogStore } from '../../../src/core/delta/fsLogStore';
import type { DeltaLogStore } from '../../../src/core/delta/logStore';
import { DuckDBSession } from '../../../src/core/lake/duckdb';

const [catalogPath, tablesRoot, killAt] = process.argv.slice(2) as [string, string, string];
const die = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};

const inner = fsDeltaLogStore(tablesRoot);
const store: DeltaLogStore = {
  read: (path) => inner.read(path),
  list: (dir) => inner.list(dir),
  async putIfAbsent(path, bytes) {
    const iceberg = path.includes('/metadata/');
    if (iceberg && killAt === 'metadata-temp' && path.endsWith('.metadata.json')) {
      await writeFile(join(tablesRoot, path, '..', '.killed.tmp'), Buffer.from(bytes).subarray(0, bytes.length >> 1));
      die();
    }
    const outcome = await inner.putIfAbsent(path, bytes);
    if (iceberg && killAt === 'manifest' && /-m0\.avro$/.test(path)) die();
    if (iceberg && killAt === 'manifest-list' && /\/snap-[^/]+\.avro$/.test(path)) die();
    if (iceberg && killAt === 'hint' && path.endsWith('.metadata.json')) die();
    return outcome;
  },
  put: (path, bytes) => inner.put(path, bytes),
};

const session = await DuckDBSession.open({ extensionDirectory: process.env.LAKEHOUSE_DUCKDB_EXTENSIONS, threads: 1 });
await exportDeltaLake({ session, catalogPath, store, iceberg: true });
session.close();
process.stdout.write('finished without being killed\n');
