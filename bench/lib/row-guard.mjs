// The cheap correctness guard: both sides' catalogs hold the same tables and
// views with the same row counts. A mismatch fails the bench case loudly.
import { runnerCall } from './runner-child.mjs';

export async function compareRowCounts(stepId, wsBuiltin, wsDbt) {
  const [mine, peer] = await Promise.all(
    [wsBuiltin, wsDbt].map((ws) => runnerCall(['counts', ws.catalogPath, ws.dataPath], ws.env)),
  );
  const names = [...new Set([...Object.keys(mine), ...Object.keys(peer)])].sort();
  const diffs = names
    .filter((n) => mine[n] !== peer[n])
    .map((n) => `${n}: built-in ${mine[n] ?? 'missing'} vs dbt ${peer[n] ?? 'missing'}`);
  if (names.length === 0) diffs.push('no tables in either catalog');
  if (diffs.length) throw new Error(`${stepId}: row counts differ between the runners:\n  ${diffs.join('\n  ')}`);
  return { tables: names.length, rows: names.reduce((sum, n) => sum + mine[n], 0), counts: mine };
}
