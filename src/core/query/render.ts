import type { ColumnDisplay } from './types';

/** Bytes of a BLOB shown as hex before the preview is cut (the cell says how long the value is). */
export const BLOB_PREVIEW_BYTES = 256;

const NUMBER =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL(\(\d+,\s*\d+\))?|VARINT|BIGNUM)$/;
const TEMPORAL = /^(DATE|TIME|TIME WITH TIME ZONE|TIME_NS|TIMESTAMP(_S|_MS|_NS)?|TIMESTAMP WITH TIME ZONE)$/;
const TIMESTAMP = /^(TIMESTAMP(_S|_MS|_NS)?|TIMESTAMP WITH TIME ZONE)$/;
const NESTED = /(\[\d*\]$)|^(STRUCT|MAP|UNION)\(|^JSON$/;

/** How the grid presents a column of this DuckDB type. */
export function columnDisplay(type: string): ColumnDisplay {
  const t = type.trim().toUpperCase();
  if (NESTED.test(t)) return 'json';
  if (NUMBER.test(t)) return 'number';
  if (TEMPORAL.test(t)) return 'temporal';
  if (t === 'BOOLEAN') return 'boolean';
  if (t === 'BLOB') return 'blob';
  if (t === 'VARCHAR' || t === 'UUID' || t.startsWith('ENUM(') || t === 'BIT') return 'text';
  return 'other';
}

/**
 * The SQL that turns a column into its exact text, computed by DuckDB so no
 * value passes through a JS number: numbers via DuckDB's own VARCHAR cast (to
 * the last digit), timestamps ISO 8601 (`T` separator, the zone where the type
 * has one), nested values as compact JSON, blobs as a bounded hex preview.
 */
/** `ref` is an SQL expression (a quoted column name, or an aggregate of one). */
export function renderExpression(ref: string, type: string): string {
  const t = type.trim().toUpperCase();
  if (t === 'JSON') return `CAST(${ref} AS VARCHAR)`;
  if (NESTED.test(t)) return `CAST(to_json(${ref}) AS VARCHAR)`;
  if (t === 'BLOB') {
    const n = BLOB_PREVIEW_BYTES;
    return `CASE WHEN ${ref} IS NULL THEN NULL WHEN octet_length(${ref}) <= ${n} THEN '0x' || hex(${ref}) ELSE '0x' || left(hex(${ref}), ${2 * n}) || '… (' || octet_length(${ref}) || ' bytes)' END`;
  }
  if (TIMESTAMP.test(t)) return `regexp_replace(CAST(${ref} AS VARCHAR), '^(-?\\d+-\\d\\d-\\d\\d) ', '\\1T')`;
  return `CAST(${ref} AS VARCHAR)`;
}
