import type { DuckDBConnection } from '@duckdb/node-api';
import { LakehouseError } from '../errors';
import { quoteIdentifier } from '../lake/duckdb';
import { asNumber, asText, rowsOf } from './duckdbRows';
import { renderExpression } from './render';
import type { HeldResult } from './resultSets';
import type { ChartData, ChartRequest, ChartSeries } from './types';

/** A chart never carries more points than this, whatever the caller asks. */
export const MAX_CHART_POINTS = 200_000;

/**
 * Series for the chart tab: x, y (as a number) and an optional series column.
 * Up to `limit` rows go back as they are; beyond it a numeric or temporal x is
 * sampled (reservoir, repeatable) and a categorical x is aggregated (sum of y
 * per category, the largest first).
 */
export async function chartData(conn: DuckDBConnection, held: HeldResult, request: ChartRequest): Promise<ChartData> {
  const col = (i: number | undefined, what: string) => {
    if (i === undefined) return undefined;
    const c = held.columns[i];
    if (!c) throw new LakehouseError('usage', `The chart's ${what} column ${i} does not exist.`);
    return c;
  };
  const x = col(request.x, 'x')!;
  const y = col(request.y, 'y')!;
  const s = col(request.series, 'series');
  const limit = Math.max(1, Math.min(MAX_CHART_POINTS, Math.floor(request.limit)));
  const xRef = quoteIdentifier(x.name);
  const yRef = quoteIdentifier(y.name);
  const xNumeric = x.display === 'number';
  const xOrdered = xNumeric || x.display === 'temporal';
  const xExpr = xNumeric ? `CAST(${xRef} AS DOUBLE)` : renderExpression(xRef, x.type);
  const sExpr = s ? `coalesce(${renderExpression(quoteIdentifier(s.name), s.type)}, 'NULL')` : `''`;
  const yExpr = `TRY_CAST(${yRef} AS DOUBLE)`;
  const valid = `${xRef} IS NOT NULL AND ${yExpr} IS NOT NULL`;
  const [[countValue]] = (await rowsOf(conn, `SELECT count(*) FROM ${held.table} WHERE ${valid}`)) as [[bigint]];
  const total = Number(countValue);
  let sql: string;
  let reduced = false;
  if (total <= limit) {
    sql = `SELECT ${xExpr}, ${yExpr}, ${sExpr} FROM ${held.table} WHERE ${valid} ORDER BY ${xOrdered ? `${xRef}, ` : ''}rowid`;
  } else if (xOrdered) {
    reduced = true;
    sql = `SELECT ${xExpr}, ${yExpr}, ${sExpr} FROM (SELECT * FROM ${held.table} WHERE ${valid} USING SAMPLE reservoir(${limit} ROWS) REPEATABLE (7)) ORDER BY ${xRef}`;
  } else {
    reduced = true;
    sql = `SELECT ${xExpr} AS x, sum(${yExpr}) AS y, ${sExpr} AS s FROM ${held.table} WHERE ${valid} GROUP BY ALL ORDER BY y DESC, x LIMIT ${limit}`;
  }
  const series = new Map<string, ChartSeries>();
  for (const [xv, yv, sv] of await rowsOf(conn, sql)) {
    const name = s ? (asText(sv) ?? 'NULL') : y.name;
    let entry = series.get(name);
    if (!entry) series.set(name, (entry = { name, points: [] }));
    entry.points.push({ x: xNumeric ? asNumber(xv) : (asText(xv) ?? ''), y: asNumber(yv) });
  }
  return { xDisplay: x.display, series: [...series.values()], reduced };
}
