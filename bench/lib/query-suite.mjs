// The query suite: runs dist/bench/query.js (bench/query.ts) as its own process, which
// plays the caller (extension host / CLI) of the forked query engine, and returns its
// JSON document. Measures only; nothing asserts a timing.
import { execFile } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';

export function runQuerySuite(repoDir) {
  const script = join(repoDir, 'dist', 'bench', 'query.js');
  const load1AtStart = Math.round(loadavg()[0] * 100) / 100;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', script],
      { env: process.env, maxBuffer: 16 * 1024 * 1024, timeout: 30 * 60_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${script} failed: ${stderr || error.message}`));
        resolve({ ...JSON.parse(stdout), load1AtStart });
      },
    );
  });
}

export function basicMachine() {
  return {
    date: new Date().toISOString(),
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    totalMemGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${process.platform} ${release()}`,
    node: process.version,
  };
}

/** Markdown lines for the printed summary. */
export function querySummary(q) {
  const s = q.selectStar;
  const p = q.published;
  const lines = [
    `SELECT * over ${s.rows.toLocaleString('en-US')} rows: first page ${s.firstPageMedianMs} ms vs DuckDB ${s.duckdbInEngineMedianMs} ms in the engine (+${s.overheadMedianMs} ms; bare DuckDB ${s.bareDuckDBMedianMs} ms)`,
    `page fetch (${s.scrolling.unsorted.pages} random pages of ${s.scrolling.unsorted.rowsPerPage}): median ${s.scrolling.unsorted.medianMs} ms (p95 ${s.scrolling.unsorted.p95Ms}); sorted: first ${s.scrolling.firstSortedPageMs} ms, then median ${s.scrolling.sorted.medianMs} ms (p95 ${s.scrolling.sorted.p95Ms})`,
    `caller RSS growth: ${s.callerRss.growthMb} MB (peak +${s.callerRss.peakGrowthMb} MB)`,
  ];
  for (const r of p.runs)
    lines.push(
      `published ${p.table} (${p.tableRows.toLocaleString('en-US')} rows) ${r.label}: ${r.totalMs} ms, requests log ${r.requests.log} / list ${r.requests.list} / data ${r.requests.data}${r.cached ? ' (cached)' : ''}`,
    );
  return lines.join('\n');
}
