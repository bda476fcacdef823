import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdentifier, quoteLiteral } from '../lake/duckdb';
import { asNumber, asText, rowsOf } from './duckdbRows';
import type { HeldResult } from './resultSets';
import { renderExpression } from './render';
import type { ColumnSummary, HistogramBin } from './types';

export const HISTOGRAM_BINS = 20;

const BINNABLE =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*|DATE|TIMESTAMP.*)$/;

/** Nulls, distinct values, min/max as exact text and a small histogram, all computed by DuckDB. */
export async function columnSummary(conn: DuckDBConnection, held: HeldResult, column: number): Promise<ColumnSummary> {
  const info = held.columns[column];
  if (!info) throw new RangeError(`Column ${column} does not exist.`);
  const ref = quoteIdentifier(info.name);
  const comparable = info.display !== 'json';
  const distinctOf = info.display === 'json' ? `CAST(to_json(${ref}) AS VARCHAR)` : ref;
  const [row] = await rowsOf(
    conn,
    `SELECT count(*) FILTER (WHERE ${ref} IS NULL), count(DISTINCT ${distinctOf}), ${
      comparable
        ? `${renderExpression(`min(${ref})`, info.type)}, ${renderExpression(`max(${ref})`, info.type)}, CAST(min(${ref}) AS VARCHAR), CAST(max(${ref}) AS VARCHAR)`
        : 'NULL, NULL, NULL, NULL'
    } FROM ${held.table}`,
  );
  const [nulls, distinct, min, max, rawMin, rawMax] = row!;
  let histogram: HistogramBin[] | undefined;
  const type = info.type.toUpperCase();
  if (BINNABLE.test(type) && rawMin !== null && rawMax !== null && asNumber(distinct) > HISTOGRAM_BINS) {
    histogram = await binned(conn, held.table, ref, info.type, asText(rawMin)!, asText(rawMax)!).catch(() => undefined);
  }
  histogram ??= await categories(conn, held.table, ref, info.type);
  return {
    column,
    nulls: asNumber(nulls),
    distinct: asNumber(distinct),
    min: asText(min),
    max: asText(max),
    histogram,
  };
}

/** Equal-width bins between min and max (DuckDB's histogram with equi_width_bins); label = the bin's range. */
async function binned(
  conn: DuckDBConnection,
  table: string,
  ref: string,
  type: string,
  lo: string,
  hi: string,
): Promise<HistogramBin[]> {
  // equi_width_bins takes no TIMESTAMPTZ: bin the UTC wall clock (the engine's zone) and label it +00.
  const zoned = /^TIMESTAMP WITH TIME ZONE$/i.test(type);
  const binType = zoned ? 'TIMESTAMP' : type;
  const value = zoned ? `CAST(${ref} AS TIMESTAMP)` : ref;
  const bound = (text: string) =>
    zoned ? `CAST(CAST(${quoteLiteral(text)} AS TIMESTAMPTZ) AS TIMESTAMP)` : `CAST(${quoteLiteral(text)} AS ${type})`;
  const bounds = `equi_width_bins(${bound(lo)}, ${bound(hi)}, ${HISTOGRAM_BINS}, true)`;
  const rows = await rowsOf(
    conn,
    `SELECT ${renderExpression('e.key', type.startsWith('DECIMAL') || /INT/.test(type) ? 'DOUBLE' : binType)}, e.value
     FROM (SELECT unnest(map_entries(histogram(${value}, ${bounds}))) AS e FROM ${table})`,
  );
  let previous = renderedBound(lo, type);
  const bins: HistogramBin[] = [];
  for (const [key, count] of rows) {
    const upper = `${asText(key) ?? ''}${zoned ? '+00' : ''}`;
    bins.push({ label: `${previous} – ${upper}`, count: asNumber(count) });
    previous = upper;
  }
  return bins;
}

function renderedBound(text: string, type: string): string {
  return /^TIMESTAMP/i.test(type) ? text.replace(/^(-?\d+-\d\d-\d\d) /, '$1T') : text;
}

/** The most frequent values, most frequent first (ties by text). */
async function categories(conn: DuckDBConnection, table: string, ref: string, type: string): Promise<HistogramBin[]> {
  const label = renderExpression(ref, type);
  const rows = await rowsOf(
    conn,
    `SELECT ${label} AS label, count(*) AS n FROM ${table} WHERE ${ref} IS NOT NULL GROUP BY ALL ORDER BY n DESC, label LIMIT ${HISTOGRAM_BINS}`,
  );
  return rows.map(([l, n]) => ({ label: asText(l) ?? '', count: asNumber(n) }));
}
