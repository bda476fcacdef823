import type { CatalogColumnStats } from '../ducklake/catalogReader';
import type { ColumnNode, DeltaType } from './schema';
import { mapColumnType } from './schema';

/**
 * Per-file Delta statistics from DuckLake's `ducklake_file_column_stats`.
 *
 * Readers skip files with these, so a wrong bound loses rows silently. Every
 * value we emit is therefore a true bound or left out:
 * - integers are written as exact JSON literals (no float rounding of BIGINT);
 * - decimals only up to 15 digits (readers may parse JSON numbers as doubles);
 * - doubles only when finite and the file has no NaN; FLOAT not at all (its
 *   short decimal text, read back as a double, can sit inside the real value);
 * - strings: min cut to 32 characters (a prefix is still a lower bound), max
 *   only when it is 32 characters or fewer;
 * - timestamps as ISO UTC with milliseconds, min rounded down, max rounded up;
 * - booleans, binary, lists and maps: nullCount only.
 */
export const STRING_STAT_PREFIX = 32;

/** A JSON value already rendered as text (exact number literals). */
class RawJson {
  constructor(readonly text: string) {}
}

type JsonTree = RawJson | string | number | boolean | null | { [key: string]: JsonTree };

export interface FileStatsInput {
  recordCount: number;
  /** Column id -> stats row of this file. */
  stats: ReadonlyMap<number, CatalogColumnStats>;
}

/** The `stats` string of an add action. Partition columns (top level) are left out, as Delta writers do. */
export function buildStats(
  file: FileStatsInput,
  columns: readonly ColumnNode[],
  partitionColumns: ReadonlySet<string>,
): string {
  const minValues: Record<string, JsonTree> = {};
  const maxValues: Record<string, JsonTree> = {};
  const nullCount: Record<string, JsonTree> = {};
  for (const column of columns) {
    if (partitionColumns.has(column.name)) continue;
    collect(column, file, minValues, maxValues, nullCount);
  }
  return render({ numRecords: new RawJson(String(file.recordCount)), minValues, maxValues, nullCount });
}

function collect(
  column: ColumnNode,
  file: FileStatsInput,
  minValues: Record<string, JsonTree>,
  maxValues: Record<string, JsonTree>,
  nullCount: Record<string, JsonTree>,
): void {
  const type = mapColumnType(column, column.name, []);
  if (type === undefined) return;
  if (typeof type === 'object') {
    if (type.type !== 'struct') return; // no stats for lists and maps
    const mins: Record<string, JsonTree> = {};
    const maxs: Record<string, JsonTree> = {};
    const nulls: Record<string, JsonTree> = {};
    for (const child of column.children) collect(child, file, mins, maxs, nulls);
    if (Object.keys(mins).length) minValues[column.name] = mins;
    if (Object.keys(maxs).length) maxValues[column.name] = maxs;
    if (Object.keys(nulls).length) nullCount[column.name] = nulls;
    return;
  }
  const stats = file.stats.get(column.columnId);
  if (!stats) return;
  if (stats.nullCount !== null && stats.nullCount >= 0) nullCount[column.name] = new RawJson(String(stats.nullCount));
  // All-null columns carry no bounds.
  if (stats.nullCount !== null && stats.nullCount >= file.recordCount) return;
  const bounds = statBounds(type, column.type, stats);
  if (bounds.min !== undefined) minValues[column.name] = bounds.min;
  if (bounds.max !== undefined) maxValues[column.name] = bounds.max;
}

/** Converts DuckLake's text min/max to safe Delta JSON bounds for one primitive column. */
export function statBounds(
  type: DeltaType,
  duckLakeType: string,
  stats: Pick<CatalogColumnStats, 'min' | 'max' | 'containsNan'>,
): { min?: RawJson | string; max?: RawJson | string } {
  const { min, max } = stats;
  if (min === null || max === null || typeof type === 'object') return {};
  switch (type) {
    case 'byte':
    case 'short':
    case 'integer':
    case 'long':
      return INTEGER.test(min) && INTEGER.test(max) ? { min: new RawJson(min), max: new RawJson(max) } : {};
    case 'double': {
      if (stats.containsNan !== false && stats.containsNan !== null) return {};
      if (!JSON_NUMBER.test(min) || !JSON_NUMBER.test(max)) return {}; // inf, nan
      if (!Number.isFinite(Number(min)) || !Number.isFinite(Number(max))) return {};
      return { min: new RawJson(normaliseZero(min)), max: new RawJson(normaliseZero(max)) };
    }
    case 'date':
      return DATE.test(min) && DATE.test(max) ? { min, max } : {};
    case 'timestamp': {
      const utc = duckLakeType.toLowerCase() === 'timestamptz';
      const low = timestampMicros(min, utc);
      const high = timestampMicros(max, utc);
      if (low === undefined || high === undefined) return {};
      const lowText = isoMillis(floorDiv(low, 1000n));
      const highText = isoMillis(ceilDiv(high, 1000n));
      return lowText && highText ? { min: lowText, max: highText } : {};
    }
    case 'string': {
      const lowChars = Array.from(min);
      const highChars = Array.from(max);
      const result: { min?: string; max?: string } = { min: lowChars.slice(0, STRING_STAT_PREFIX).join('') };
      if (highChars.length <= STRING_STAT_PREFIX) result.max = max;
      return result;
    }
    case 'float':
    case 'boolean':
    case 'binary':
      return {};
    default: {
      const decimal = /^decimal\((\d+),(\d+)\)$/.exec(type);
      if (decimal && Number(decimal[1]) <= 15 && DECIMAL.test(min) && DECIMAL.test(max)) {
        return { min: new RawJson(min), max: new RawJson(max) };
      }
      return {};
    }
  }
}

const INTEGER = /^-?(0|[1-9]\d*)$/;
const DECIMAL = /^-?(0|[1-9]\d*)(\.\d+)?$/;
const JSON_NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

// `-0.0` and `0.0` compare equal; write the plain form.
function normaliseZero(text: string): string {
  return /^-0(\.0+)?$/.test(text) ? '0.0' : text;
}

/**
 * Parses DuckLake's timestamp text (`2024-01-01 10:00:00.123456`, with `+00`
 * or `+02:00` for TIMESTAMPTZ) into microseconds since the epoch (UTC).
 */
export function timestampMicros(text: string, withOffset: boolean): bigint | undefined {
  const match =
    /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([+-])(\d{2})(?::?(\d{2}))?)?$/.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, fraction = '', sign, oh, om] = match;
  if (!withOffset && sign) return undefined;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (!Number.isFinite(ms) || Number(y) < 1) return undefined;
  // Sub-microsecond digits (never for these types) would only widen the bounds; keep 6.
  const micros = BigInt(ms) * 1000n + BigInt(fraction.padEnd(6, '0').slice(0, 6));
  const offsetMinutes = sign ? (Number(oh) * 60 + Number(om ?? 0)) * (sign === '-' ? -1 : 1) : 0;
  return micros - BigInt(offsetMinutes) * 60_000_000n;
}

function isoMillis(ms: bigint): string | undefined {
  const date = new Date(Number(ms));
  const year = date.getUTCFullYear();
  if (!Number.isFinite(date.getTime()) || year < 1 || year > 9999) return undefined;
  return date.toISOString();
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
}

/** JSON.stringify that writes RawJson values verbatim. */
function render(value: JsonTree): string {
  if (value instanceof RawJson) return value.text;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  return `{${Object.entries(value)
    .map(([key, child]) => `${JSON.stringify(key)}:${render(child)}`)
    .join(',')}}`;
}
