import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, inject } from 'vitest';
import { DuckDBSession, quoteLiteral } from '../../../src/core/lake/duckdb';
import { attachWorkingCatalog } from '../../../src/core/lake/lakeSession';
import { LocalMirror } from '../../../src/core/lake/localMirror';
import { md5OfBytes } from '../../../src/core/storage/contentHash';
import { contentHash, readWithDeltaRs, readWithDuckDBDelta } from '../delta/helpers';
import { Developer, downloadFolder } from './developer';
import { CLI, duckdb, freshLakehouse, runCli } from './lakehouse';

/**
 * What the fault matrix and the random-kill tests check after every fault:
 * the remote catalog is old-or-new and opens, Delta reads, and a plain rerun
 * converges to what an uninterrupted publish leaves.
 */

export const TABLES = ['readings', 'sites'];
export type Lake = Awaited<ReturnType<typeof freshLakehouse>>;
export type Content = Record<string, { rows: number; hash: string }>;

/** A lakehouse with two published tables, and a CLI folder (optionally through `host`, a fault proxy) that pulled it. */
export async function pulledLakehouse(host?: string) {
  const lake = await freshLakehouse();
  await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
  const earlier = await Developer.create(lake, 'earlier');
  try {
    await earlier.pull();
    await earlier.run(
      'CREATE TABLE lake.main.readings AS SELECT i AS id, i % 30 AS site_id, i * 0.5 AS kwh FROM range(3000) t(i)',
      "CREATE TABLE lake.main.sites AS SELECT i AS site_id, 'site ' || i AS name FROM range(30) t(i)",
    );
    await earlier.publish();
  } finally {
    earlier.close();
  }
  const cwd = mkdtempSync(join(tmpdir(), 'lakehouse-truth-'));
  const location = host ? lake.location.replace(new URL(inject('azuriteUrl')).host, host) : lake.location;
  writeFileSync(join(cwd, 'lakehouse.yml'), `lakehouses:\n  - name: lh\n    location: ${location}\n`);
  const pulled = await runCli(['pull', 'lh'], {}, cwd);
  expect(pulled.code, pulled.stderr).toBe(0);
  return { lake, cwd, mirror: LocalMirror.forLakehouse(cwd, 'lh') };
}

/** A local change to both tables (round `n` adds rows no other round adds, and deletes one). */
export async function changeLocally(mirror: LocalMirror, n: number): Promise<void> {
  const session = await DuckDBSession.open(duckdb);
  try {
    await attachWorkingCatalog(session, mirror, (await mirror.readState())!);
    const from = 10_000 + n * 100;
    await session.run(`INSERT INTO lake.main.readings SELECT i, i % 30, 2.0 FROM range(${from}, ${from + 100}) t(i)`);
    await session.run(`DELETE FROM lake.main.readings WHERE id = ${n}`);
    await session.run(`INSERT INTO lake.main.sites VALUES (${100 + n}, 'site ${100 + n}')`);
    await session.run('DETACH lake');
  } finally {
    session.close();
  }
}

export async function remoteMd5(lake: Lake): Promise<string | undefined> {
  const md5 = (await lake.store.blob('Files/metadata.db').getProperties()).contentMD5;
  return md5 ? Buffer.from(md5).toString('base64') : undefined;
}

export function localMd5(mirror: LocalMirror): string {
  return md5OfBytes(readFileSync(mirror.catalogFile));
}

export async function localContent(mirror: LocalMirror): Promise<Content> {
  const session = await DuckDBSession.open(duckdb);
  try {
    await attachWorkingCatalog(session, mirror, (await mirror.readState())!, { readOnly: true });
    const out: Content = {};
    for (const t of TABLES) out[t] = await contentHash(session, `SELECT * FROM lake.main.${t}`);
    return out;
  } finally {
    session.close();
  }
}

/** The remote catalog opens with DuckDB + ducklake (read-only); returns its tables' content. */
export async function remoteCatalogContent(lake: Lake): Promise<Content> {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-remote-'));
  const file = join(dir, 'metadata.db');
  await lake.store.blob('Files/metadata.db').downloadToFile(file);
  const data = await downloadFolder(lake.store, 'Tables');
  const session = await DuckDBSession.open(duckdb);
  try {
    await session.loadExtensions(['ducklake', 'sqlite_scanner']);
    await session.run(
      `ATTACH ${quoteLiteral(`ducklake:sqlite:${file}`)} AS r (READ_ONLY, DATA_PATH ${quoteLiteral(data + '/')}, OVERRIDE_DATA_PATH true)`,
    );
    const out: Content = {};
    for (const t of TABLES) out[t] = await contentHash(session, `SELECT * FROM r.main.${t}`);
    return out;
  } finally {
    session.close();
  }
}

/** Every Delta table reads with DuckDB `delta_scan` (and delta-rs when asked); returns what they hold. */
export async function deltaContent(lake: Lake, deltaRs = false): Promise<Content> {
  const out: Content = {};
  for (const t of TABLES) {
    const folder = await downloadFolder(lake.store, `Tables/main/${t}`);
    out[t] = await readWithDuckDBDelta(folder);
    if (deltaRs) {
      const rs = await readWithDeltaRs(folder);
      expect({ rows: rs.rows, hash: rs.hash }, `${t}: delta-rs agrees with delta_scan`).toEqual(out[t]);
    }
  }
  return out;
}

/** The state an uninterrupted publish leaves: remote = local catalog, Delta = DuckLake, journal gone, lease free. */
export async function expectConverged(lake: Lake, mirror: LocalMirror, label: string, deltaRs = false) {
  expect(await remoteMd5(lake), `${label}: remote is the local catalog`).toBe(localMd5(mirror));
  expect(existsSync(mirror.journalFile), `${label}: journal cleared`).toBe(false);
  expect((await lake.guard.inspect()).status, `${label}: lease free`).toBe('free');
  const props = await lake.store.blob('Files/metadata.db').getProperties();
  expect((await mirror.readState())!.etag, `${label}: pull.json follows the commit`).toBe(props.etag);
  const local = await localContent(mirror);
  expect(await remoteCatalogContent(lake), `${label}: remote catalog opens and equals local`).toEqual(local);
  expect(await deltaContent(lake, deltaRs), `${label}: Delta equals DuckLake`).toEqual(local);
}

/** Starts the CLI with `args` and SIGKILLs it after `ms` if it is still running. */
export function runAndKill(
  args: string[],
  cwd: string,
  ms: number,
): Promise<{ code: number | null; killed: boolean; out: string; ranMs: number }> {
  return new Promise((resolvePromise) => {
    const started = Date.now();
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, killed: signal === 'SIGKILL', out, ranMs: Date.now() - started });
    });
  });
}

/** A small seeded generator (mulberry32): the kill points are the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
