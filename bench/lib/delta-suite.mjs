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
const AZURE_PEER_UP_TO = Number(process.env.BENCH_DELTA_AZURE_PEER_UP_TO ?? 10000);
const CHANGE = 10;
const TABLE = join('Tables', 'main', 't');

export async function runDeltaSuite(repoDir, { sizes = DELTA_SIZES, reps = 3, tmpRoot, log }) {
  const script = join(repoDir, 'dist', 'bench', 'delta-export.js');
  // Optional: another build of the export process (e.g. main's dist/bench/delta-export.js), timed in the
  // same repetitions on its own copy of the lake, local disk only: a before/after side by side.
  const baseline = process.env.BENCH_DELTA_BASELINE;
  const lakeScript = join(repoDir, 'bench', 'lib', 'delta-lake.py');
  const peerScript = join(repoDir, 'bench', 'lib', 'delta-peer.py');
  const icebergPeerScript = join(repoDir, 'bench', 'lib', 'iceberg-peer.py');
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
      // delta-rs over the emulator works on one copy of the files there, uploaded once (untimed); each
      // repetition then removes what delta-rs wrote and the files the change added (peer-reset).
      const peerLocation = `azurite://${azurite.host}:${azurite.port}/peer-${size}/bench.Lakehouse`;
      const peerUri = `az://peer-${size}/bench.Lakehouse/peer`;
      const peerSetup = (...args) => execFileSync(process.execPath, [script, ...args], { env: nodeEnv });
      // Above AZURE_PEER_UP_TO files delta-rs over the emulator is left out: it reads every footer over HTTP
      // (~40 s a run at 10k files), so at 100k one repetition would take many minutes.
      const azurePeer = size <= AZURE_PEER_UP_TO;
      if (azurePeer) {
        const flat = flatPeerFolder(join(base, TABLE), join(root, `peer-flat-${size}`));
        peerSetup('peer-upload', peerLocation, flat);
        rmSync(flat, { recursive: true, force: true });
      }
      const samples = {};
      const record = (key, sample) => (samples[key] ??= []).push(sample);
      for (let rep = 1; rep <= reps; rep++) {
        const dir = join(root, `${size}-${rep}`);
        const ours = copyLake(base, join(dir, 'ours'));
        const oursIceberg = copyLake(base, join(dir, 'ours-iceberg'));
        const before = baseline ? copyLake(base, join(dir, 'baseline')) : undefined;
        const peer = flatPeerFolder(join(base, TABLE), join(dir, 'peer'));
        const warehouse = join(dir, 'peer-iceberg');
        mkdirSync(warehouse);
        const peerEnv = {
          ...env,
          AZURITE_BLOB_STORAGE_URL: `http://${azurite.host}:${azurite.port}`,
          DELTA_PEER_LOCAL: peer,
        };
        const timed = (label, command, args) =>
          timedChild(command, args, { cwd: dir, env: command === PEER_PYTHON ? peerEnv : nodeEnv, logDir: dir, label });
        const location = (name) =>
          `azurite://${azurite.host}:${azurite.port}/bench-${size}-${rep}-${name.toLowerCase()}/bench.Lakehouse`;
        // One export process of ours: `first` writes its report, the incremental one reads it as `known`.
        const ourExport = (label, lake, { azure = false, iceberg = false, incremental = false, build = script }) => {
          const report = join(dir, `${label}.json`);
          const target = azure ? location(label) : join(lake, 'Tables');
          return async () => {
            // The lakehouse's container exists before any export: made here, untimed.
            if (azure && !incremental)
              execFileSync(process.execPath, [build, 'container', join(lake, 'metadata.db'), target], { env: nodeEnv });
            const args = [build, azure ? 'export-azure' : 'export', join(lake, 'metadata.db'), target];
            args.push(incremental ? '--known' : '--report', report, ...(iceberg ? ['--iceberg'] : []));
            const sample = await timed(`${label}-${incremental ? 'incremental' : 'first'}`, process.execPath, args);
            const want = incremental ? CHANGE : size;
            return expectAdds(sample, want, iceberg ? want : undefined);
          };
        };
        const sides = [
          { key: 'ours', lake: ours },
          { key: 'oursAzure', lake: ours, azure: true },
          ...(before ? [{ key: 'baseline', lake: before, build: baseline }] : []),
          { key: 'peer', peer: true },
          ...(azurePeer ? [{ key: 'peerAzure', peer: true, azure: true }] : []),
          { key: 'oursIceberg', lake: oursIceberg, iceberg: true },
          { key: 'oursIcebergAzure', lake: oursIceberg, iceberg: true, azure: true },
          { key: 'peerIceberg', peer: true, iceberg: true },
        ];
        let peerNames = parquetFiles(join(base, TABLE)).map((f) => flatName(f));
        const run = async (side, incremental) => {
          const phase = incremental ? 'Incremental' : 'First';
          let sample;
          if (!side.peer) sample = await ourExport(side.key, side.lake, { ...side, incremental })();
          else if (!side.iceberg) {
            const folder = side.azure ? peerUri : peer;
            sample = expectFiles(
              await timed(`peer${side.azure ? '-azure' : ''}-${phase.toLowerCase()}`, PEER_PYTHON, [
                peerScript,
                ...(incremental ? ['append', folder, ...peerNames] : ['convert', folder]),
              ]),
              incremental ? size + CHANGE : size,
            );
          } else
            sample = expectFiles(
              await timed(`peer-iceberg-${phase.toLowerCase()}`, PEER_PYTHON, [
                icebergPeerScript,
                ...(incremental
                  ? ['append', warehouse, ...peerNames.map((n) => join(peer, n))]
                  : ['create', warehouse, peer]),
              ]),
              incremental ? size + CHANGE : size,
            );
          record(`${side.key}${phase}`, sample);
        };
        // Alternate who goes first per repetition to spread the machine's noise.
        const order = rep % 2 ? sides : [...sides].reverse();
        for (const side of order) await run(side, false);

        // The change: one INSERT of CHANGE files into each of our lakes; the peers get ours' new files.
        const existing = new Set(parquetFiles(join(ours, TABLE)));
        for (const lake of [ours, oursIceberg, before].filter(Boolean))
          execFileSync(PEER_PYTHON, [lakeScript, 'append', lake, String(CHANGE)], { env });
        const added = parquetFiles(join(ours, TABLE)).filter((f) => !existing.has(f));
        peerNames = added.map((f) => linkFlat(join(ours, TABLE, f), peer));
        if (azurePeer) peerSetup('peer-upload', peerLocation, peer, ...peerNames);
        for (const side of order) await run(side, true);
        if (azurePeer) peerSetup('peer-reset', peerLocation, ...peerNames);
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
        // Over the emulator, both sides: delta-rs lists and reads the files there, ours writes its log there.
        ratioAzureFirst: ratio(sum.oursAzureFirst, sum.peerAzureFirst),
        ratioAzureIncremental: ratio(sum.oursAzureIncremental, sum.peerAzureIncremental),
        // Ours writes Delta and Iceberg in that process; pyiceberg writes Iceberg only.
        ratioIcebergFirst: ratio(sum.oursIcebergFirst, sum.peerIcebergFirst),
        ratioIcebergIncremental: ratio(sum.oursIcebergIncremental, sum.peerIcebergIncremental),
        ratioIcebergAzureFirst: ratio(sum.oursIcebergAzureFirst, sum.peerIcebergFirst),
        ratioIcebergAzureIncremental: ratio(sum.oursIcebergAzureIncremental, sum.peerIcebergIncremental),
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
  execFileSync(process.execPath, [script, 'container', catalog, location], { env });
  expectAdds(
    await timedChild(process.execPath, [script, 'export-azure', catalog, location], { ...opts, label: 'warm-azure' }),
    size,
  );
  const withIceberg = copyLake(base, join(dir, 'ours-iceberg'));
  expectAdds(
    await timedChild(
      process.execPath,
      [script, 'export', join(withIceberg, 'metadata.db'), join(withIceberg, 'Tables'), '--iceberg'],
      { ...opts, label: 'warm-iceberg' },
    ),
    size,
    size,
  );
  rmSync(dir, { recursive: true, force: true });
}

/** Markdown table for the printed summary: medians, and ours / delta-rs (below 1: ours faster). */
export function deltaSummary(cases) {
  const lines = [
    '| files | ours first | delta-rs convert | ratio | (Azurite) ours | delta-rs | ratio | ours incr. | delta-rs append | ratio | (Azurite) ours | delta-rs | ratio |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const c of cases)
    lines.push(
      `| ${c.files} | ${c.oursFirst.medianSeconds} | ${c.peerFirst.medianSeconds} | ${c.ratioFirst} | ${c.oursAzureFirst.medianSeconds} | ${c.peerAzureFirst?.medianSeconds ?? '—'} | ${c.ratioAzureFirst} | ${c.oursIncremental.medianSeconds} | ${c.peerIncremental.medianSeconds} | ${c.ratioIncremental} | ${c.oursAzureIncremental.medianSeconds} | ${c.peerAzureIncremental?.medianSeconds ?? '—'} | ${c.ratioAzureIncremental} |`,
    );
  lines.push(
    '',
    '| files | ours Delta + Iceberg first | (Azurite) | pyiceberg add_files | ratio | ours Delta + Iceberg incr. | (Azurite) | pyiceberg add_files | ratio |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  );
  for (const c of cases)
    lines.push(
      `| ${c.files} | ${c.oursIcebergFirst.medianSeconds} | ${c.oursIcebergAzureFirst.medianSeconds} | ${c.peerIcebergFirst.medianSeconds} | ${c.ratioIcebergFirst} | ${c.oursIcebergIncremental.medianSeconds} | ${c.oursIcebergAzureIncremental.medianSeconds} | ${c.peerIcebergIncremental.medianSeconds} | ${c.ratioIcebergIncremental} |`,
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
  return peer ? round(ours.medianSeconds / peer.medianSeconds, 2) : null;
}

function expectAdds(sample, adds, icebergAdds) {
  const result = lastJson(sample);
  if (result.adds !== adds) throw new Error(`our export wrote ${result.adds} adds, expected ${adds}: ${sample.output}`);
  if (result.icebergAdds !== icebergAdds)
    throw new Error(`our export wrote ${result.icebergAdds} Iceberg adds, expected ${icebergAdds}: ${sample.output}`);
  return sample;
}

function expectFiles(sample, files) {
  const result = lastJson(sample);
  if (result.files !== files)
    throw new Error(`the peer sees ${result.files} files, expected ${files}: ${sample.output}`);
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
  const name = flatName(file);
  linkSync(file, join(folder, name));
  return name;
}

function flatName(file) {
  return file.split('/').slice(-2).join('-');
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
