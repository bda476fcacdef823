// The Delta export suite: our export (dist/bench/delta-export.js, one process per export,
// like `lakehouse export-delta`) vs delta-rs doing the same work (bench/lib/delta-peer.py in
// the peers venv): a first export of a table of N files (ours: catalog metadata only;
// delta-rs: convert_to_deltalake, which lists the folder and reads every footer), then an
// incremental one after one INSERT of CHANGE new files (ours: the publish path, with the
// previous report as `known`; delta-rs: load the table, read the new footers, commit the
// adds). Ours also runs against Azurite (logs written over the emulator; the catalog is local
// as after a publish). Each sample is a fresh copy (hard links) of one generated lake.
// Measures only; nothing asserts a timing.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, linkSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { median, round } from './stats.mjs';
import { timedChild } from './timed-child.mjs';
import { PEER_VENV } from './sides.mjs';

const PEER_PYTHON = join(PEER_VENV, 'bin', 'python');

export const DELTA_SIZES = [1000, 10000, 100000];
const CHANGE = 10;
const TABLE = join('Tables', 'main', 't');

export async function runDeltaSuite(repoDir, { sizes = DELTA_SIZES, reps = 3, tmpRoot, log }) {
  const script = join(repoDir, 'dist', 'bench', 'delta-export.js');
  // Optional: another build of the export process (e.g. main's dist/bench/delta-export.js), timed in the
  // same repetitions on its own copy of the lake, local disk only: a before/after side by side.
  const baseline = process.env.BENCH_DELTA_BASELINE;
  const lakeScript = join(repoDir, 'bench', 'lib', 'delta-lake.py');
  const peerScript = join(repoDir, 'bench', 'lib', 'delta-peer.py');
  const env = { ...process.env, RUST_LOG: 'error' };
  // Our side and the baseline run without NODE_EXTRA_CA_CERTS: where it is set (this shared machine sets it
  // to the system's whole CA bundle) Node parses those certificates at the start of every process, ~35 ms
  // of CPU that no export here uses (local files, Azurite over http) and delta-rs' Python never pays.
  const nodeEnv = { ...env };
  delete nodeEnv.NODE_EXTRA_CA_CERTS;
  const root = join(tmpRoot, 'delta');
  mkdirSync(root, { recursive: true });
  const azurite = await startEmulator(script, join(root, 'azurite'), env);
  const cases = [];
  try {
    for (const size of sizes) {
      const base = join(root, `lake-${size}`);
      const started = performance.now();
      execFileSync(PEER_PYTHON, [lakeScript, 'create', base, String(size)], { env });
      log(`bench: delta ${size} files generated in ${round((performance.now() - started) / 1000, 1)} s`);
      // Our process loads its bundle through the CLI's code cache (bench/delta-export-entry.ts): one untimed
      // export per mode writes it, as any earlier `lakehouse` command would have (Python's .pyc are warm too).
      await warmUp(script, base, join(root, `warm-${size}`), azurite, size, nodeEnv);
      const samples = {
        oursFirst: [],
        oursIncremental: [],
        oursAzureFirst: [],
        oursAzureIncremental: [],
        peerFirst: [],
        peerIncremental: [],
        ...(baseline ? { baselineFirst: [], baselineIncremental: [] } : {}),
      };
      for (let rep = 1; rep <= reps; rep++) {
        const dir = join(root, `${size}-${rep}`);
        const ours = copyLake(base, join(dir, 'ours'));
        const before = baseline ? copyLake(base, join(dir, 'baseline')) : undefined;
        const baselineReport = join(dir, 'baseline-first.json');
        const peer = flatPeerFolder(join(base, TABLE), join(dir, 'peer'));
        const logDir = dir;
        const timed = (label, command, args) =>
          timedChild(command, args, { cwd: dir, env: command === PEER_PYTHON ? env : nodeEnv, logDir, label });
        const location = `azurite://${azurite.host}:${azurite.port}/bench-${size}-${rep}/bench.Lakehouse`;
        const catalog = join(ours, 'metadata.db');
        const report = join(dir, 'first.json');
        const reportAzure = join(dir, 'first-azure.json');

        // Alternate who goes first per repetition to spread the machine's noise.
        const oursFirst = async () => {
          samples.oursFirst.push(
            expectAdds(
              await timed('ours-first', process.execPath, [
                script,
                'export',
                catalog,
                join(ours, 'Tables'),
                '--report',
                report,
              ]),
              size,
            ),
          );
          samples.oursAzureFirst.push(
            expectAdds(
              await timed('ours-azure-first', process.execPath, [
                script,
                'export-azure',
                catalog,
                location,
                '--report',
                reportAzure,
              ]),
              size,
            ),
          );
        };
        const baselineFirst = async () => {
          if (!before) return;
          samples.baselineFirst.push(
            expectAdds(
              await timed('baseline-first', process.execPath, [
                baseline,
                'export',
                join(before, 'metadata.db'),
                join(before, 'Tables'),
                '--report',
                baselineReport,
              ]),
              size,
            ),
          );
        };
        const peerFirst = async () =>
          samples.peerFirst.push(
            expectFiles(await timed('peer-first', PEER_PYTHON, [peerScript, 'convert', peer]), size),
          );
        if (rep % 2) {
          await oursFirst();
          await baselineFirst();
          await peerFirst();
        } else {
          await peerFirst();
          await baselineFirst();
          await oursFirst();
        }

        // The change: one INSERT of CHANGE files, the same files for both sides.
        const existing = new Set(parquetFiles(join(ours, TABLE)));
        execFileSync(PEER_PYTHON, [lakeScript, 'append', ours, String(CHANGE)], { env });
        if (before) execFileSync(PEER_PYTHON, [lakeScript, 'append', before, String(CHANGE)], { env });
        const added = parquetFiles(join(ours, TABLE)).filter((f) => !existing.has(f));
        const names = added.map((f) => linkFlat(join(ours, TABLE, f), peer));

        const oursIncremental = async () => {
          samples.oursIncremental.push(
            expectAdds(
              await timed('ours-incremental', process.execPath, [
                script,
                'export',
                catalog,
                join(ours, 'Tables'),
                '--known',
                report,
              ]),
              CHANGE,
            ),
          );
          samples.oursAzureIncremental.push(
            expectAdds(
              await timed('ours-azure-incremental', process.execPath, [
                script,
                'export-azure',
                catalog,
                location,
                '--known',
                reportAzure,
              ]),
              CHANGE,
            ),
          );
        };
        const baselineIncremental = async () => {
          if (!before) return;
          samples.baselineIncremental.push(
            expectAdds(
              await timed('baseline-incremental', process.execPath, [
                baseline,
                'export',
                join(before, 'metadata.db'),
                join(before, 'Tables'),
                '--known',
                baselineReport,
              ]),
              CHANGE,
            ),
          );
        };
        const peerIncremental = async () =>
          samples.peerIncremental.push(
            expectFiles(
              await timed('peer-incremental', PEER_PYTHON, [peerScript, 'append', peer, ...names]),
              size + CHANGE,
            ),
          );
        if (rep % 2) {
          await oursIncremental();
          await baselineIncremental();
          await peerIncremental();
        } else {
          await peerIncremental();
          await baselineIncremental();
          await oursIncremental();
        }
        rmSync(dir, { recursive: true, force: true });
      }
      rmSync(base, { recursive: true, force: true });
      const sum = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, summarizeSamples(v)]));
      cases.push({
        files: size,
        change: CHANGE,
        ...sum,
        ratioFirst: ratio(sum.oursFirst, sum.peerFirst),
        ratioIncremental: ratio(sum.oursIncremental, sum.peerIncremental),
        ratioAzureFirst: ratio(sum.oursAzureFirst, sum.peerFirst),
        ratioAzureIncremental: ratio(sum.oursAzureIncremental, sum.peerIncremental),
        ...(baseline
          ? {
              baseline,
              ratioBaselineFirst: ratio(sum.baselineFirst, sum.peerFirst),
              ratioBaselineIncremental: ratio(sum.baselineIncremental, sum.peerIncremental),
            }
          : {}),
      });
      log(deltaSummary([cases.at(-1)]));
    }
  } finally {
    await azurite.stop();
    rmSync(root, { recursive: true, force: true });
  }
  return {
    change: CHANGE,
    reps,
    nodeExtraCaCerts: process.env.NODE_EXTRA_CA_CERTS ? 'set on this machine; unset for the Node sides' : 'not set',
    cases,
  };
}

async function warmUp(script, base, dir, azurite, size, env) {
  const ours = copyLake(base, join(dir, 'ours'));
  const catalog = join(ours, 'metadata.db');
  const location = `azurite://${azurite.host}:${azurite.port}/bench-${size}-warm/bench.Lakehouse`;
  const opts = { cwd: dir, env, logDir: dir };
  expectAdds(
    await timedChild(process.execPath, [script, 'export', catalog, join(ours, 'Tables')], { ...opts, label: 'warm' }),
    size,
  );
  expectAdds(
    await timedChild(process.execPath, [script, 'export-azure', catalog, location], { ...opts, label: 'warm-azure' }),
    size,
  );
  rmSync(dir, { recursive: true, force: true });
}

/** Markdown table for the printed summary: medians, and ours / delta-rs (below 1: ours faster). */
export function deltaSummary(cases) {
  const lines = [
    '| files | ours first | ours first (Azurite) | delta-rs convert | ratio | ours incr. | ours incr. (Azurite) | delta-rs append | ratio |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const c of cases)
    lines.push(
      `| ${c.files} | ${c.oursFirst.medianSeconds} | ${c.oursAzureFirst.medianSeconds} | ${c.peerFirst.medianSeconds} | ${c.ratioFirst} | ${c.oursIncremental.medianSeconds} | ${c.oursAzureIncremental.medianSeconds} | ${c.peerIncremental.medianSeconds} | ${c.ratioIncremental} |`,
    );
  for (const c of cases.filter((x) => x.baselineFirst))
    lines.push(
      `baseline ${c.files}: first ${c.baselineFirst.medianSeconds} s (${c.baselineFirst.medianCpuSeconds} CPU-s, ratio ${c.ratioBaselineFirst}), incremental ${c.baselineIncremental.medianSeconds} s (${c.baselineIncremental.medianCpuSeconds} CPU-s, ratio ${c.ratioBaselineIncremental})`,
    );
  return lines.join('\n');
}

function summarizeSamples(samples) {
  return {
    seconds: samples.map((s) => round(s.seconds)),
    medianSeconds: round(median(samples.map((s) => s.seconds))),
    medianCpuSeconds: round(median(samples.map((s) => s.cpuSeconds))),
    load1AtStart: samples.map((s) => round(s.load1, 2)),
  };
}

function ratio(ours, peer) {
  return round(ours.medianSeconds / peer.medianSeconds, 2);
}

function expectAdds(sample, adds) {
  const result = lastJson(sample);
  if (result.adds !== adds) throw new Error(`our export wrote ${result.adds} adds, expected ${adds}: ${sample.output}`);
  return sample;
}

function expectFiles(sample, files) {
  const result = lastJson(sample);
  if (result.files !== files)
    throw new Error(`delta-rs sees ${result.files} files, expected ${files}: ${sample.output}`);
  return sample;
}

function lastJson(sample) {
  if (sample.code !== 0) throw new Error(`bench child failed (${sample.code}): ${sample.output}`);
  const line = sample.output
    .trim()
    .split('\n')
    .findLast((l) => l.startsWith('{'));
  return JSON.parse(line);
}

/** A copy of the lake whose data files are hard links: the export writes only _delta_log/. */
function copyLake(base, target) {
  mkdirSync(target, { recursive: true });
  cpSync(join(base, 'metadata.db'), join(target, 'metadata.db'));
  execFileSync('cp', ['-al', join(base, 'Tables'), join(target, 'Tables')]);
  return target;
}

/** The same Parquet files, hard-linked into one folder: convert_to_deltalake wants no Hive folders. */
function flatPeerFolder(tableDir, target) {
  mkdirSync(target, { recursive: true });
  for (const file of parquetFiles(tableDir)) linkFlat(join(tableDir, file), target);
  return target;
}

function linkFlat(file, folder) {
  const name = file.split('/').slice(-2).join('-');
  linkSync(file, join(folder, name));
  return name;
}

function parquetFiles(tableDir) {
  const files = [];
  for (const dir of readdirSync(tableDir)) {
    if (dir.startsWith('_')) continue;
    const full = join(tableDir, dir);
    if (statSync(full).isDirectory())
      for (const f of readdirSync(full)) if (f.endsWith('.parquet')) files.push(`${dir}/${f}`);
  }
  return files;
}

async function startEmulator(script, dir, env) {
  const child = spawn(process.execPath, [script, 'azurite', dir], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`Azurite exited (${code})`)));
    createInterface({ input: child.stdout }).once('line', resolve);
  });
  const info = JSON.parse(line);
  return {
    ...info,
    stop: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', resolve);
        child.stdin.end();
      }),
  };
}
