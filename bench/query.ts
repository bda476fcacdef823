/**
 * The query benchmark (bundled to dist/bench/query.js and run as its own
 * process by bench/run.mjs, so this process is the "caller": the extension
 * host or the CLI). Prints one JSON document on stdout. Measures only.
 *
 * - SELECT * over 10M rows: time to the first page delivered here vs DuckDB's
 *   own time for the query (inside the engine, and in a bare DuckDB);
 * - page fetch latency while scrolling (random pages, unsorted and sorted);
 * - this process's RSS growth across all of it;
 * - a published table on Azurite: first query and cached, with request counts.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveEntries } from '../src/core/config/lakehouseConfig';
import { createQueryEngine } from '../src/core/engine/client';
import { DuckDBSession } from '../src/core/lake/duckdb';
import { createEmptyCatalog } from '../src/core/lake/emptyCatalog';
import { attachWorkingCatalog } from '../src/core/lake/lakeSession';
import { LocalMirror } from '../src/core/lake/localMirror';
import { pull } from '../src/core/lake/pull';
import { openCatalogLease } from '../src/core/lease/catalogLease';
import { publish } from '../src/core/publish/publish';
import { lakehouseTargetResolver } from '../src/core/query/targets';
import type { QueryTarget } from '../src/core/query/types';
import { startAzurite } from '../src/core/storage/azurite';

const ROWS = Number(process.env.BENCH_QUERY_ROWS ?? 10_000_000);
const PAGES = 60;
const PAGE_ROWS = 100;
const REPS = 3;
const SQL = `SELECT i AS id, i % 1000 AS bucket, 'name ' || i AS label, TIMESTAMP '2026-01-01' + to_seconds(i) AS at, (i * 0.01)::DECIMAL(18,2) AS amount FROM range(${ROWS}) t(i)`;
const PUBLISHED_ROWS = 1_000_000;

const duckdb = { extensionDirectory: process.env.LAKEHOUSE_DUCKDB_EXTENSIONS };
const enginePath = resolve(__dirname, '..', 'queryEngine.js');
const ms = (start: number) => Math.round((performance.now() - start) * 100) / 100;
const mb = (bytes: number) => Math.round((bytes / 1024 ** 2) * 10) / 10;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** A seeded PRNG so every run fetches the same pages. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function localWorkspace(root: string): Promise<string> {
  const ws = join(root, 'local');
  mkdirSync(ws, { recursive: true });
  writeFileSync(join(ws, 'lakehouse.yml'), 'lakehouses: []\n');
  const mirror = LocalMirror.forLakehouse(ws, 'bench');
  mkdirSync(join(mirror.root, 'catalog'), { recursive: true });
  mkdirSync(mirror.dataRoot, { recursive: true });
  writeFileSync(mirror.catalogFile, await createEmptyCatalog('az://bench/bench.Lakehouse/Tables/', duckdb));
  await mirror.writeState({
    location: 'azurite://127.0.0.1:1/bench/bench.Lakehouse',
    catalogPath: 'Files/metadata.db',
    dataPrefix: 'Tables/',
    etag: '"bench"',
    md5: '',
    format: 'sqlite',
    pulledAt: new Date().toISOString(),
  });
  return ws;
}

/** DuckDB on its own: the same query materialized in a bare in-memory DuckDB (this process, measured after). */
async function bareDuckDB(): Promise<number[]> {
  const times: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    const session = await DuckDBSession.open({ ...duckdb, memoryLimit: '4GB' });
    try {
      const start = performance.now();
      await session.run(`CREATE TABLE r AS ${SQL}`);
      times.push(ms(start));
    } finally {
      session.close();
    }
  }
  return times;
}

async function selectStar(root: string) {
  const ws = await localWorkspace(root);
  const [entry] = resolveEntries([{ name: 'bench', location: 'azurite://127.0.0.1:1/bench/bench.Lakehouse' }], 'bench');
  const target: QueryTarget = { kind: 'local', lakehouse: 'bench' };
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const sample = () => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss));
  const engine = createQueryEngine({
    enginePath,
    duckdb: { ...duckdb, memoryLimit: '4GB' },
    resolveTarget: lakehouseTargetResolver({ entries: [entry!], workspaceDir: ws }),
  });
  try {
    let start = performance.now();
    const warm = await engine.run({ sql: 'select 1', target });
    const engineStartMs = ms(start);
    await engine.dispose(warm.resultId);

    const firstPage: { totalMs: number; duckdbMs: number; overheadMs: number }[] = [];
    let resultId = '';
    for (let rep = 0; rep < REPS; rep++) {
      if (resultId) await engine.dispose(resultId);
      start = performance.now();
      const info = await engine.run({ sql: SQL, target });
      const page = await engine.page(info.resultId, { offset: 0, limit: PAGE_ROWS });
      const totalMs = ms(start);
      if (page.rows.length !== PAGE_ROWS || info.rowCount !== ROWS) throw new Error('wrong first page');
      firstPage.push({
        totalMs,
        duckdbMs: info.elapsedMs,
        overheadMs: Math.round((totalMs - info.elapsedMs) * 100) / 100,
      });
      resultId = info.resultId;
      sample();
    }

    const random = prng(42);
    const scroll = async (sort?: { column: number; direction: 'asc' | 'desc' }[]) => {
      const times: number[] = [];
      for (let i = 0; i < PAGES; i++) {
        const offset = Math.floor(random() * (ROWS - PAGE_ROWS));
        const t = performance.now();
        const page = await engine.page(resultId, { offset, limit: PAGE_ROWS, sort });
        times.push(ms(t));
        if (page.rows.length !== PAGE_ROWS) throw new Error('short page');
        sample();
      }
      return {
        pages: PAGES,
        rowsPerPage: PAGE_ROWS,
        medianMs: median(times),
        p95Ms: percentile(times, 95),
        maxMs: Math.max(...times),
      };
    };
    const unsorted = await scroll();
    const sort = [{ column: 2, direction: 'desc' as const }];
    start = performance.now();
    await engine.page(resultId, { offset: 0, limit: PAGE_ROWS, sort });
    const firstSortedPageMs = ms(start);
    const sorted = await scroll(sort);
    global.gc?.();
    sample();
    const rssAfter = process.memoryUsage().rss;
    return {
      rows: ROWS,
      sql: SQL,
      engineStartMs,
      firstPage,
      firstPageMedianMs: median(firstPage.map((f) => f.totalMs)),
      duckdbInEngineMedianMs: median(firstPage.map((f) => f.duckdbMs)),
      overheadMedianMs: median(firstPage.map((f) => f.overheadMs)),
      scrolling: { unsorted, firstSortedPageMs, sorted },
      callerRss: {
        beforeMb: mb(rssBefore),
        afterMb: mb(rssAfter),
        peakMb: mb(rssPeak),
        growthMb: mb(rssAfter - rssBefore),
        peakGrowthMb: mb(rssPeak - rssBefore),
      },
    };
  } finally {
    await engine.close();
  }
}

async function published(root: string) {
  const azurite = await startAzurite({ location: join(root, 'azurite') });
  try {
    const url = new URL(azurite.accountUrl);
    const [entry] = resolveEntries(
      [{ name: 'bench', location: `azurite://${url.host}/bench/bench.Lakehouse` }],
      'bench',
    );
    const { store, guard } = await openCatalogLease(entry!, {
      holder: 'bench@local',
      tool: 'lakehouse-dev/bench',
      duckdb,
    });
    await store.container.create();
    await guard.release(await guard.acquire({ operation: 'setup' }));
    const ws = join(root, 'published');
    mkdirSync(ws, { recursive: true });
    const mirror = LocalMirror.forLakehouse(ws, 'bench');
    const session = await DuckDBSession.open(duckdb);
    try {
      await pull({ entry: entry!, store, mirror, session });
      await attachWorkingCatalog(session, mirror, (await mirror.readState())!);
      await session.run(
        `CREATE TABLE lake.main.meter_readings AS SELECT i AS id, 'site-' || (i % 400) AS site, TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_minutes(i % 525600) AS at, round(random() * 10, 3) AS kwh FROM range(${PUBLISHED_ROWS}) t(i)`,
      );
      await session.run('DETACH lake');
      await publish({ entry: entry!, store, guard, mirror, session });
    } finally {
      session.close();
    }
    const engine = createQueryEngine({
      enginePath,
      duckdb,
      resolveTarget: lakehouseTargetResolver({ entries: [entry!], workspaceDir: ws }),
    });
    const target: QueryTarget = { kind: 'published', lakehouse: 'bench' };
    const sql = 'SELECT site, count(*) AS n, sum(kwh) AS kwh FROM main.meter_readings GROUP BY site ORDER BY site';
    try {
      const runs = [];
      for (const label of ['first', 'cached', 'cached again']) {
        const start = performance.now();
        const info = await engine.run({ sql, target });
        await engine.page(info.resultId, { offset: 0, limit: PAGE_ROWS });
        runs.push({
          label,
          totalMs: ms(start),
          duckdbMs: info.elapsedMs,
          cached: info.cached,
          requests: info.requests,
          rows: info.rowCount,
        });
        await engine.dispose(info.resultId);
      }
      return { table: 'main.meter_readings', tableRows: PUBLISHED_ROWS, sql, stalenessMs: engine.stalenessMs, runs };
    } finally {
      await engine.close();
    }
  } finally {
    await azurite.stop();
  }
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'lakehouse-bench-query-'));
  try {
    const select = await selectStar(root);
    const bare = await bareDuckDB();
    const pub = await published(root);
    process.stdout.write(
      `${JSON.stringify({ selectStar: { ...select, bareDuckDBMs: bare, bareDuckDBMedianMs: median(bare) }, published: pub }, null, 2)}\n`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`query bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
