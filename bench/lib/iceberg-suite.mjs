// The Iceberg export suite: runs dist/bench/iceberg.js (bench/iceberg.ts) as its own process
// and returns its JSON document. Measures only; nothing asserts a timing.
import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';

export function runIcebergSuite(repoDir, options) {
  const script = join(repoDir, 'dist', 'bench', 'iceberg.js');
  const load1AtStart = Math.round(loadavg()[0] * 100) / 100;
  const env = {
    ...process.env,
    ICEBERG_BENCH_FILES: options.icebergFiles.join(','),
    ICEBERG_BENCH_REPS: String(options.reps),
  };
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [script],
      { env, maxBuffer: 16 * 1024 * 1024, timeout: 60 * 60_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${script} failed: ${stderr || error.message}`));
        resolve({ ...JSON.parse(stdout), load1AtStart });
      },
    );
  });
}

/** Markdown lines for the printed summary. */
export function icebergSummary(doc) {
  const lines = [
    '| files | Delta first | Delta+Iceberg first | Iceberg share | Delta incr. (+10) | Delta+Iceberg incr. | Iceberg share |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of doc.results) {
    const m = r.medianMs;
    lines.push(
      `| ${r.files} | ${m.deltaFirst} ms | ${m.deltaPlusIcebergFirst} ms | +${m.icebergFirst} ms (${r.ratioIcebergToDelta.first}×) | ${m.deltaIncremental} ms | ${m.deltaPlusIcebergIncremental} ms | +${m.icebergIncremental} ms (${r.ratioIcebergToDelta.incremental}×) |`,
    );
  }
  lines.push(
    '',
    '| files | catalog → target | Delta commit first | Iceberg commit first | ratio | target incr. | Delta commit incr. | Iceberg commit incr. | ratio |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of doc.results) {
    const i = r.isolatedMedianMs;
    const q = r.ratioIcebergCommitToDeltaCommit;
    lines.push(
      `| ${r.files} | ${i.catalogTargetFirst} ms | ${i.deltaCommitFirst} ms | ${i.icebergCommitFirst} ms | ${q.first}× | ${i.catalogTargetIncremental} ms | ${i.deltaCommitIncremental} ms | ${i.icebergCommitIncremental} ms | ${q.incremental}× |`,
    );
  }
  return lines.join('\n');
}
