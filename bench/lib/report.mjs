// Turns the samples into the results document and the printed summary table.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { median, round, summarize } from './stats.mjs';

export function caseResult(step, samples) {
  const side = (name) => ({
    ...summarize(samples.map((s) => s[name])),
    nodes: samples[0][name].nodes,
    statuses: samples[0][name].statuses,
  });
  const builtin = side('builtin');
  const dbt = side('dbt');
  const floor = samples[0].floor ? summarize(samples.map((s) => s.floor)) : undefined;
  return {
    id: step.id,
    title: step.title,
    reps: samples.length,
    order: samples.map((s) => s.order.join(' then ')),
    builtin,
    dbt,
    ...(floor
      ? {
          floor,
          floorRatio: round(builtin.medianSeconds / floor.medianSeconds),
          // Each repetition's built-in / floor, then their median: a slow phase of the machine hits both of a pair.
          floorRatioPerRep: round(median(samples.map((s) => s.builtin.seconds / s.floor.seconds))),
        }
      : {}),
    // Built-in / dbt medians: below 1 means the built-in runner is faster (or smaller).
    ratio: round(builtin.medianSeconds / dbt.medianSeconds),
    cpuRatio: round(builtin.medianCpuSeconds / dbt.medianCpuSeconds),
    peakRssRatio: round(builtin.medianPeakRssMb / dbt.medianPeakRssMb),
    tables: samples[0].rows.tables,
    rows: samples[0].rows.rows,
  };
}

const COLUMNS = [
  ['case', (c) => c.id],
  ['built-in s (min–max)', (c) => spread(c.builtin)],
  ['dbt s (min–max)', (c) => spread(c.dbt)],
  ['ratio', (c) => c.ratio.toFixed(2)],
  ['floor s', (c) => (c.floor ? spread(c.floor) : '–')],
  ['vs floor', (c) => (c.floorRatio !== undefined ? c.floorRatio.toFixed(2) : '–')],
  ['per rep', (c) => (c.floorRatioPerRep !== undefined ? c.floorRatioPerRep.toFixed(2) : '–')],
  ['CPU s built-in / dbt', (c) => `${c.builtin.medianCpuSeconds.toFixed(1)} / ${c.dbt.medianCpuSeconds.toFixed(1)}`],
  ['peak RSS built-in / dbt', (c) => `${c.builtin.medianPeakRssMb} / ${c.dbt.medianPeakRssMb} MB`],
  ['rows checked', (c) => `${c.rows.toLocaleString('en-US')} in ${c.tables}`],
];

function spread(s) {
  return `${s.medianSeconds.toFixed(2)} (${s.minSeconds.toFixed(2)}–${s.maxSeconds.toFixed(2)})`;
}

/** A Markdown table (readable in a terminal, pasteable into the README). */
export function summaryTable(cases) {
  const rows = [COLUMNS.map(([h]) => h), ...cases.map((c) => COLUMNS.map(([, cell]) => cell(c)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  const [header, ...body] = rows;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

export function writeResults(resultsDir, document, { baseline }) {
  mkdirSync(resultsDir, { recursive: true });
  const text = `${JSON.stringify(document, null, 2)}\n`;
  const written = [join(resultsDir, 'latest.json')];
  if (baseline) written.push(join(resultsDir, `${document.machine.date.slice(0, 10)}-runners.json`));
  for (const file of written) writeFileSync(file, text);
  return written;
}
