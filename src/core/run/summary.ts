import type { NodeResult, RunSummary } from '../models';

/** A plain-text table of a run (node, status, rows, seconds) and a tally line, for logs and the CLI. */
export function formatRunSummary(summary: RunSummary): string {
  const rows = summary.results.map((r) => [
    r.name,
    r.unchanged ? 'unchanged' : r.status,
    r.rowsAffected === undefined ? '' : String(r.rowsAffected),
    r.executionTime.toFixed(2),
  ]);
  const header = ['node', 'status', 'rows', 'seconds'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [
    line(header),
    ...rows.map(line),
    `${summary.command} (${summary.runner}): ${tally(summary)} in ${summary.elapsedTime.toFixed(2)} s`,
  ].join('\n');
}

/** `25 success, 1 error, 3 skipped`. */
export function tally(summary: RunSummary): string {
  const counts = new Map<string, number>();
  for (const r of summary.results) {
    const status = r.unchanged ? 'unchanged' : r.status;
    counts.set(status, (counts.get(status) ?? 0) + 1);
  }
  return [...counts].map(([status, n]) => `${n} ${status}`).join(', ') || 'nothing selected';
}

export function isFailure(result: NodeResult): boolean {
  return result.status === 'error' || result.status === 'fail';
}

/** The error without the `file:line:` and `model x failed:` prefixes that the Problems panel shows on its own. */
export function conciseError(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/^\S+?\.(sql|yml|yaml|csv):\d+(:\d+)?: /, '').replace(/^(model|seed|test) \S+ failed: /, '');
}
