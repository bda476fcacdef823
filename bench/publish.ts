/**
 * Publish at the floor (npm run bench, suite `publish`): `lakehouse publish`
 * of k new data files against Azurite, side by side with the floor — the same
 * files uploaded by plain parallel @azure/storage-blob uploads at the same
 * concurrency, also as a fresh Node process. Both go through one loopback
 * proxy that counts requests. Medians and ratios; nothing asserts a timing.
 * Prints one JSON document on stdout.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resolveEntries } from '../src/core/config/lakehouseConfig';
import { DuckDBSession } from '../src/core/lake/duckdb';
import { attachWorkingCatalog } from '../src/core/lake/lakeSession';
import { applyLayoutOptions } from '../src/core/lake/layout';
import { LocalMirror } from '../src/core/lake/localMirror';
import { pull } from '../src/core/lake/pull';
import { openCatalogLease } from '../src/core/lease/catalogLease';
import { planPublish } from '../src/core/publish/publish';
import { AZURITE_ACCOUNT, AZURITE_KEY, startAzurite } from '../src/core/storage/azurite';

const repoDir = resolve(__dirname, '..', '..');
const CLI = join(repoDir, 'dist', 'cli.js');
const FLOOR = join(repoDir, 'bench', 'lib', 'floor-upload.mjs');
const duckdb = { extensionDirectory: process.env.LAKEHOUSE_DUCKDB_EXTENSIONS };
const CONCURRENCY = 8; // publish's default upload concurrency
const ROWS_PER_FILE = 2_000; // ~27 KB of Parquet per file
const KS = (process.env.BENCH_PUBLISH_KS ?? '10,100,1000').split(',').map(Number);
const REPS = Number(process.env.BENCH_PUBLISH_REPS ?? 3);
const CONTAINER = 'bench';
// BENCH_PUBLISH_PROFILE=<dir>: each publish writes a V8 CPU profile there (where a small publish's time goes).
const PROFILE = process.env.BENCH_PUBLISH_PROFILE
  ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PUBLISH_PROFILE}`]
  : [];

/** A loopback proxy in front of Azurite that counts the requests passing through it. */
function countingProxy(target: URL): Promise<{ server: Server; url: string; take: () => Record<string, number> }> {
  let counts: Record<string, number> = {};
  const server = createServer((req, res) => {
    const comp = new URL(req.url ?? '/', 'http://x').searchParams.get('comp');
    const kind = `${req.method}${comp ? ` ${comp}` : ''}`;
    counts[kind] = (counts[kind] ?? 0) + 1;
    const upstream = request(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  return new Promise((ok) =>
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      ok({
        server,
        url: `http://127.0.0.1:${port}`,
        take: () => {
          const out = counts;
          counts = {};
          return out;
        },
      });
    }),
  );
}

interface Sample {
  seconds: number;
  /** User + system CPU seconds of the child (less sensitive to other work on the machine than wall time). */
  cpuSeconds: number;
  requests: number;
  load1: number;
}

const total = (byKind: Record<string, number>) => Object.values(byKind).reduce((a, b) => a + b, 0);
const GNU_TIME = '/usr/bin/time';

/** Runs `node <args>`; wall time from spawn to exit, CPU time from GNU time when the machine has it. */
function timed(
  args: string[],
  cwd: string,
): Promise<{ seconds: number; cpuSeconds: number; code: number | null; stdout: string; output: string }> {
  const cpuFile = join(cwd, `cpu-${Date.now()}.txt`);
  const [command, commandArgs] = existsSync(GNU_TIME)
    ? [GNU_TIME, ['-f', '%U %S', '-o', cpuFile, process.execPath, ...args]]
    : [process.execPath, args];
  return new Promise((ok, fail) => {
    const started = performance.now();
    const child = spawn(command, commandArgs, { cwd, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', fail);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      const stdout = Buffer.concat(out).toString('utf8');
      const cpu = existsSync(cpuFile) ? readFileSync(cpuFile, 'utf8').trim().split(/\s+/).map(Number) : [NaN, NaN];
      ok({
        seconds,
        cpuSeconds: cpu[0]! + cpu[1]!,
        code,
        stdout,
        output: stdout + Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** A fresh lakehouse item with a catalog, pulled into `ws`, with k new local data files (one INSERT each). */
async function prepare(proxyHost: string, item: string, ws: string, k: number) {
  const location = `azurite://${proxyHost}/${CONTAINER}/${item}.Lakehouse`;
  const [entry] = resolveEntries([{ name: 'bench', location }], 'bench');
  const { store, guard } = await openCatalogLease(entry!, {
    holder: 'bench@setup',
    tool: 'lakehouse-dev/bench',
    duckdb,
  });
  await guard.release(await guard.acquire({ operation: 'setup' }));
  writeFileSync(join(ws, 'lakehouse.yml'), `lakehouses:\n  - name: bench\n    location: ${location}\n`);
  const mirror = LocalMirror.forLakehouse(ws, 'bench');
  const session = await DuckDBSession.open(duckdb);
  try {
    await pull({ entry: entry!, store, mirror, session });
    await attachWorkingCatalog(session, mirror, (await mirror.readState())!);
    // As a run leaves it: the lakehouse's layout in the catalog (runs write it before the models).
    await applyLayoutOptions(
      { run: (sql) => session.run(sql), rows: (sql) => session.all(sql) },
      'lake',
      entry!.layout!,
    );
    await session.run('CREATE TABLE lake.main.readings (id BIGINT, site VARCHAR, kwh DOUBLE)');
    // Files above the target size: publish's compaction leaves them as they are, so k files go up.
    await session.run(`CALL lake.set_option('target_file_size', '1KB', table_name => 'readings')`);
    await session.run('BEGIN');
    for (let i = 0; i < k; i++)
      await session.run(
        `INSERT INTO lake.main.readings SELECT j, 'site-' || (j % 400), j * 0.37 FROM range(${i * ROWS_PER_FILE}, ${(i + 1) * ROWS_PER_FILE}) t(j)`,
      );
    await session.run('COMMIT');
    await session.run('DETACH lake');
    const plan = await planPublish(session, mirror);
    return { files: plan.files.map((f) => ({ local: mirror.dataFile(f.path), path: f.path })), bytes: plan.bytes };
  } finally {
    session.close();
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const round = (n: number, d = 3) => Math.round(n * 10 ** d) / 10 ** d;

async function main() {
  const root = mkdtempSync(join(tmpdir(), 'lakehouse-bench-publish-'));
  const azurite = await startAzurite({ location: join(root, 'azurite') });
  const azuriteUrl = new URL(azurite.accountUrl);
  const proxy = await countingProxy(azuriteUrl);
  const proxyHost = new URL(proxy.url).host;
  try {
    const [entry] = resolveEntries([{ name: 'b', location: `azurite://${proxyHost}/${CONTAINER}/x.Lakehouse` }], 'b');
    const { store } = await openCatalogLease(entry!, { holder: 'bench@setup', tool: 'lakehouse-dev/bench', duckdb });
    await store.container.create();
    const cases = [];
    // A second CLI build (e.g. the code before a change) measured in the same run, on its own lakehouse per rep.
    const baselineCli = process.env.BENCH_PUBLISH_BASELINE_CLI;
    for (const k of KS) {
      const samples: Record<'floor' | 'publish' | 'baseline', Sample | undefined>[] = [];
      let bytes = 0;
      let files = 0;
      let publishByKind: Record<string, number> = {};
      for (let rep = 1; rep <= REPS; rep++) {
        const ws = join(root, `k${k}-r${rep}`);
        mkdirSync(ws, { recursive: true });
        const prepared = await prepare(proxyHost, `k${k}r${rep}`, ws, k);
        bytes = prepared.bytes;
        files = prepared.files.length;
        const baseWs = join(root, `k${k}-r${rep}-baseline`);
        if (baselineCli) {
          mkdirSync(baseWs, { recursive: true });
          await prepare(proxyHost, `k${k}r${rep}b`, baseWs, k);
        }
        const spec = join(ws, 'floor.json');
        writeFileSync(
          spec,
          JSON.stringify({
            accountUrl: `${proxy.url}/${AZURITE_ACCOUNT}`,
            account: AZURITE_ACCOUNT,
            key: AZURITE_KEY,
            container: CONTAINER,
            prefix: `floor/k${k}r${rep}/`,
            concurrency: CONCURRENCY,
            files: prepared.files,
          }),
        );
        const load1 = loadavg()[0]!;
        const floorOnce = async (): Promise<Sample> => {
          proxy.take();
          const floor = await timed([FLOOR, spec], ws);
          if (floor.code !== 0) throw new Error(`floor upload failed: ${floor.output}`);
          return { ...floor, requests: total(proxy.take()), load1 };
        };
        const publishOnce = async (cli: string, cwd: string): Promise<Sample> => {
          proxy.take();
          const pub = await timed([...PROFILE, cli, 'publish', 'bench', '--json', '--holder', 'bench@local'], cwd);
          if (pub.code !== 0) throw new Error(`publish failed: ${pub.output}`);
          const byKind = proxy.take();
          publishByKind = byKind;
          const summary = JSON.parse(pub.stdout) as { files: number };
          if (summary.files !== files) throw new Error(`publish uploaded ${summary.files} files, expected ${files}`);
          return { ...pub, requests: total(byKind), load1 };
        };
        // Azurite slows as blobs pile up (the floor took 1.8, 2.3, 3.1 s in three reps of k = 1,000), so the
        // side measured last in a rep paid for it: the order rotates per rep (floor, baseline, publish; then
        // publish first; then the baseline first). All files were just written, warm in the page cache.
        const order: Array<'floor' | 'baseline' | 'publish'> = ['floor', 'baseline', 'publish'];
        for (let i = 0; i < (rep - 1) % 3; i++) order.unshift(order.pop()!);
        const taken: Partial<Record<'floor' | 'baseline' | 'publish', Sample>> = {};
        for (const side of order) {
          if (side === 'floor') taken.floor = await floorOnce();
          else if (side === 'publish') taken.publish = await publishOnce(CLI, ws);
          else if (baselineCli) taken.baseline = await publishOnce(baselineCli, baseWs);
        }
        const [floorSample, publishSample, baseline] = [taken.floor!, taken.publish!, taken.baseline];
        samples.push({ floor: floorSample, publish: publishSample, baseline });
        rmSync(ws, { recursive: true, force: true });
        rmSync(baseWs, { recursive: true, force: true });
      }
      const side = (name: 'floor' | 'publish' | 'baseline') => {
        const xs = samples.map((s) => s[name]).filter((x): x is Sample => x !== undefined);
        if (xs.length === 0) return undefined;
        return {
          seconds: xs.map((x) => round(x.seconds)),
          medianSeconds: round(median(xs.map((x) => x.seconds))),
          cpuSeconds: xs.map((x) => round(x.cpuSeconds)),
          medianCpuSeconds: round(median(xs.map((x) => x.cpuSeconds))),
          requests: median(xs.map((x) => x.requests)),
        };
      };
      const floor = side('floor')!;
      const publish = side('publish')!;
      const baseline = side('baseline');
      cases.push({
        k,
        files,
        bytes,
        floor,
        publish,
        ratio: round(publish.medianSeconds / floor.medianSeconds, 2),
        // Within each rep (same load, same Azurite state), then the median over reps.
        repRatioMedian: round(median(samples.map((s) => s.publish!.seconds / s.floor!.seconds)), 2),
        ...(baselineCli
          ? { baselineRepRatioMedian: round(median(samples.map((s) => s.baseline!.seconds / s.floor!.seconds)), 2) }
          : {}),
        cpuRatio: round(publish.medianCpuSeconds / floor.medianCpuSeconds, 2),
        ...(baseline
          ? {
              baseline,
              baselineRatio: round(baseline.medianSeconds / floor.medianSeconds, 2),
              baselineCpuRatio: round(baseline.medianCpuSeconds / floor.medianCpuSeconds, 2),
            }
          : {}),
        publishRequestsByKind: publishByKind,
        load1AtStart: samples.map((s) => round(s.floor!.load1, 2)),
      });
    }
    process.stdout.write(
      `${JSON.stringify({
        settings: {
          reps: REPS,
          concurrency: CONCURRENCY,
          rowsPerFile: ROWS_PER_FILE,
          through: 'counting loopback proxy in front of Azurite',
        },
        cases,
      })}\n`,
    );
  } finally {
    proxy.server.close();
    await azurite.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exit(1);
});
