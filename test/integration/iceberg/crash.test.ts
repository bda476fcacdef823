import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tableReport, TestLake } from '../delta/helpers';
import { currentMetadataFile, readIceberg, readWithPyIceberg } from './helpers';

const CHILD = resolve('node_modules/.cache/lakehouse-tests/iceberg-kill-child.mjs');

function runChild(args: string[]): Promise<{ signal: NodeJS.Signals | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (_code, signal) => done({ signal, out }));
  });
}

const KILL_POINTS = ['manifest', 'manifest-list', 'metadata-temp', 'hint'] as const;

describe('Iceberg commit crash safety: a SIGKILL anywhere in the commit leaves the previous version readable', () => {
  let lake: TestLake;
  beforeAll(async () => {
    await build({
      entryPoints: [resolve('test/integration/iceberg/killChild.ts')],
      outfile: CHILD,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      external: ['@duckdb/*'],
      // CommonJS' require and __dirname, which bundled CommonJS packages (DuckDB's binding, sql.js) use.
      banner: {
        js: "import { createRequire } from 'node:module'; import { dirname as __lakehouseDirname } from 'node:path'; import { fileURLToPath as __lakehouseFileURLToPath } from 'node:url'; const require = createRequire(import.meta.url); const __dirname = __lakehouseDirname(__lakehouseFileURLToPath(import.meta.url));",
      },
      logLevel: 'silent',
    });
  });
  beforeEach(async () => {
    lake = await TestLake.create();
  });
  afterEach(async () => {
    await lake.close();
  });

  for (const point of KILL_POINTS) {
    it(`killed at '${point}': both readers read the previous version; a rerun converges`, async () => {
      const folder = join(lake.tablesRoot, 'main/t');
      await lake.sql('CREATE TABLE lake.main.t (id INTEGER, s VARCHAR)');
      await lake.sql(`INSERT INTO lake.main.t SELECT i, 's' || i FROM range(30) r(i)`);
      await lake.export({ iceberg: true });
      const before = await readIceberg(lake, 'main.t', folder);
      expect(before.duckdb).toEqual(before.expected);

      await lake.sql(`INSERT INTO lake.main.t SELECT i, 'new ' || i FROM range(30, 45) r(i)`);
      await lake.sql('ALTER TABLE lake.main.t ADD COLUMN extra INTEGER');
      const killed = await runChild([lake.catalogPath, lake.tablesRoot, point]);
      expect(killed.signal, killed.out).toBe('SIGKILL');

      // The reader-visible version is still v1, whole, for both readers.
      expect(await currentMetadataFile(folder)).toBe(join(folder, 'metadata', 'v1.metadata.json'));
      const after = await readIceberg(lake, 'main.t', folder);
      expect(after.duckdb).toEqual(before.expected);
      expect(after.pyiceberg).toEqual(before.expected);
      const names = await readdir(join(folder, 'metadata'));
      // Only a kill after the commit point leaves v2, and then it is complete.
      expect(names.includes('v2.metadata.json')).toBe(point === 'hint');
      if (point === 'hint') {
        JSON.parse(await readFile(join(folder, 'metadata', 'v2.metadata.json'), 'utf8'));
        const direct = await readWithPyIceberg(join(folder, 'metadata', 'v2.metadata.json'));
        expect(direct.rows).toBe(45);
      }

      // The rerun: one new version (v2), the hint follows it, both readers see the DuckLake rows.
      const rerun = tableReport(await lake.export({ iceberg: true }), 'main.t');
      expect(rerun.iceberg?.version).toBe(2);
      expect(rerun.iceberg?.status).toBe(point === 'hint' ? 'unchanged' : 'updated');
      expect(await currentMetadataFile(folder)).toBe(join(folder, 'metadata', 'v2.metadata.json'));
      const converged = await readIceberg(lake, 'main.t', folder);
      expect(converged.expected.rows).toBe(45);
      expect(converged.duckdb).toEqual(converged.expected);
      expect(converged.pyiceberg).toEqual(converged.expected);
      const versions = (await readdir(join(folder, 'metadata'))).filter((n) => n.endsWith('.metadata.json'));
      expect(versions.sort()).toEqual(['v1.metadata.json', 'v2.metadata.json']);
    });
  }
});
