/**
 * The rows a failing unit test got wrong, as a small aligned table in the spirit of dbt's
 * daff output: `+++` a row only the model returned, `---` a row only the expectation has.
 */
export function renderUnitTestDiff(columns: readonly string[], difference: readonly Record<string, unknown>[]): string {
  const cell = (value: unknown) => (value === null || value === undefined ? 'NULL' : String(value));
  const sorted = [...difference].sort((a, b) => String(a.side).localeCompare(String(b.side)));
  const table = [
    ['@@', ...columns],
    ...sorted.map((row) => [row.side === 'actual' ? '+++' : '---', ...columns.map((c) => cell(row[c]))]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  const lines = table.map((r) =>
    r
      .map((v, i) => v.padEnd(widths[i]!))
      .join(' | ')
      .trimEnd(),
  );
  return `${lines.join('\n')}\n\n+++ only in actual (what the model returned), --- only in expected.`;
}
