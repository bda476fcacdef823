// The publish suite: runs dist/bench/publish.js (bench/publish.ts) as its own process —
// `lakehouse publish` of k new files vs the plain-upload floor, through a counting proxy
// in front of Azurite — and returns its JSON document. Measures only; nothing asserts a timing.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { basicMachine } from './query-suite.mjs';

export function runPublishSuite(repoDir, { ks, reps }) {
  const script = join(repoDir, 'dist', 'bench', 'publish.js');
  const env = { ...process.env, BENCH_PUBLISH_KS: ks.join(','), BENCH_PUBLISH_REPS: String(reps) };
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [script],
      { env, maxBuffer: 16 * 1024 * 1024, timeout: 60 * 60_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${script} failed: ${stderr || error.message}`));
        resolve({ machine: basicMachine(), ...JSON.parse(stdout.trim().split('\n').pop()) });
      },
    );
  });
}

/** Markdown lines for the printed summary. */
export function publishSummary(p) {
  const withBaseline = p.cases.some((c) => c.baseline);
  const head = withBaseline
    ? '| k files | MB | floor s (CPU s) | publish s (CPU s) | ratio (CPU; per rep) | baseline s (CPU s) | baseline ratio (CPU; per rep) | requests floor / publish |'
    : '| k files | MB | floor s (CPU s) | publish s (CPU s) | ratio (CPU; per rep) | requests floor / publish |';
  const lines = [head, head.replace(/[^|]+/g, '---')];
  for (const c of p.cases) {
    const cell = (s) => `${s.medianSeconds} (${s.medianCpuSeconds})`;
    // per rep: the median of each rep's own ratio (older records have none)
    const perRep = (r) => (r === undefined ? '' : `; ${r}×`);
    const base = withBaseline
      ? ` ${c.baseline ? cell(c.baseline) : '–'} | ${c.baseline ? `${c.baselineRatio}× (${c.baselineCpuRatio}×${perRep(c.baselineRepRatioMedian)})` : '–'} |`
      : '';
    lines.push(
      `| ${c.k} | ${(c.bytes / 1e6).toFixed(1)} | ${cell(c.floor)} | ${cell(c.publish)} | ${c.ratio}× (${c.cpuRatio}×${perRep(c.repRatioMedian)}) |${base} ${c.floor.requests} / ${c.publish.requests} |`,
    );
  }
  return lines.join('\n');
}

/** Writes the publish section of latest.json and, with a baseline, bench/results/<date>-publish.json. */
export function recordPublish(resultsDir, publish, { baseline, label }) {
  const latest = join(resultsDir, 'latest.json');
  const previous = existsSync(latest) ? JSON.parse(readFileSync(latest, 'utf8')) : {};
  writeFileSync(latest, `${JSON.stringify({ ...previous, publish }, null, 2)}\n`);
  const written = [latest];
  if (baseline) {
    const dated = join(resultsDir, `${new Date().toISOString().slice(0, 10)}-publish${label ? `-${label}` : ''}.json`);
    writeFileSync(dated, `${JSON.stringify({ benchmark: 'publish vs plain-upload floor', ...publish }, null, 2)}\n`);
    written.push(dated);
  }
  return written;
}
