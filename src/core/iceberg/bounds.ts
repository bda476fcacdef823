import type { CatalogColumnStats } from '../ducklake/catalogReader';
import { STRING_STAT_PREFIX, timestampMicros } from '../delta/stats';
import type { IcebergType } from './schema';

/**
 * Iceberg lower/upper bounds (binary single-value serialisation) from
 * DuckLake's text min/max. Readers prune files with them, so each value is a
 * true bound or left out (the same rules as the Delta stats):
 * - int/long little-endian, date as int days, timestamps as long microseconds;
 * - double only when finite and the file has no NaN (zero bounds widened to
 *   -0.0 / +0.0, which Iceberg orders apart); float not at all;
 * - decimal as the big-endian two's-complement unscaled value;
 * - strings: the lower bound cut to 32 characters (a prefix is still a lower
 *   bound), the upper only when the value is 32 characters or fewer;
 * - booleans, binary and nested types: counts only.
 */
export interface Bounds {
  lower?: Uint8Array;
  upper?: Uint8Array;
}

export function icebergBounds(type: IcebergType, duckLakeType: string, stats: CatalogColumnStats): Bounds {
  const { min, max } = stats;
  if (min === null || max === null || typeof type !== 'string') return {};
  switch (type) {
    case 'int':
      return both(min, max, (v) => (INTEGER.test(v) && fitsInt32(v) ? int32(Number(v)) : undefined));
    case 'long':
      return both(min, max, (v) => (INTEGER.test(v) && fitsInt64(v) ? int64(BigInt(v)) : undefined));
    case 'double': {
      if (stats.containsNan !== false) return {};
      const low = finite(min);
      const high = finite(max);
      if (low === undefined || high === undefined) return {};
      return { lower: float64(low === 0 ? -0 : low), upper: float64(high === 0 ? 0 : high) };
    }
    case 'date':
      return both(min, max, (v) => {
        const days = epochDays(v);
        return days === undefined ? undefined : int32(days);
      });
    case 'timestamp':
    case 'timestamptz': {
      const utc = duckLakeType.toLowerCase() === 'timestamptz';
      return both(min, max, (v) => {
        const micros = timestampMicros(v, utc);
        return micros === undefined ? undefined : int64(micros);
      });
    }
    case 'string': {
      const result: Bounds = { lower: utf8(Array.from(min).slice(0, STRING_STAT_PREFIX).join('')) };
      if (Array.from(max).length <= STRING_STAT_PREFIX) result.upper = utf8(max);
      return result;
    }
    default: {
      const decimal = /^decimal\((\d+), (\d+)\)$/.exec(type);
      if (!decimal) return {};
      const scale = Number(decimal[2]);
      return both(min, max, (v) => {
        const unscaled = unscaledDecimal(v, scale);
        return unscaled === undefined ? undefined : twosComplement(unscaled);
      });
    }
  }
}

function both(min: string, max: string, encode: (v: string) => Uint8Array | undefined): Bounds {
  const lower = encode(min);
  const upper = encode(max);
  return lower && upper ? { lower, upper } : {};
}

const INTEGER = /^-?(0|[1-9]\d*)$/;
const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/;

function fitsInt32(v: string): boolean {
  const n = Number(v);
  return Number.isInteger(n) && n >= -2147483648 && n <= 2147483647;
}

function fitsInt64(v: string): boolean {
  const n = BigInt(v);
  return n >= -(2n ** 63n) && n < 2n ** 63n;
}

function finite(text: string): number | undefined {
  if (!/^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

function epochDays(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return Number.isFinite(ms) ? Math.round(ms / 86_400_000) : undefined;
}

/** `-12.5` at scale 2 -> -1250n; undefined when the text has more digits after the point than the scale. */
export function unscaledDecimal(text: string, scale: number): bigint | undefined {
  const match = DECIMAL.exec(text);
  if (!match) return undefined;
  const [, sign, whole, fraction = ''] = match;
  if (fraction.length > scale && /[1-9]/.test(fraction.slice(scale))) return undefined;
  const digits = BigInt(whole! + fraction.slice(0, scale).padEnd(scale, '0'));
  return sign ? -digits : digits;
}

/** The minimal big-endian two's-complement bytes of `value` (Iceberg's decimal bound form). */
export function twosComplement(value: bigint): Uint8Array {
  const bytes: number[] = [];
  let v = value;
  for (;;) {
    const byte = Number(v & 0xffn);
    bytes.unshift(byte);
    v >>= 8n;
    // Done when the rest is pure sign extension of the byte just written.
    if ((v === 0n && (byte & 0x80) === 0) || (v === -1n && (byte & 0x80) !== 0)) break;
  }
  return Uint8Array.from(bytes);
}

function int32(n: number): Uint8Array {
  const b = Buffer.alloc(4);
  b.writeInt32LE(n);
  return b;
}

function int64(n: bigint): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(n);
  return b;
}

function float64(n: number): Uint8Array {
  const b = Buffer.alloc(8);
  b.writeDoubleLE(n);
  return b;
}

function utf8(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}
