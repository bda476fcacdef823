import { describe, expect, it } from 'vitest';
import { epochMsOfText } from '../../../src/core/ducklake/sqliteCatalog';

describe("a SQLite catalog's TIMESTAMPTZ text as epoch ms (what DuckDB's epoch_ms gives)", () => {
  it('reads DuckDB’s text form with microseconds, offsets and the fraction truncated to ms', () => {
    expect(epochMsOfText('2026-11-29 20:32:03.903255+00')).toBe(Date.UTC(2026, 10, 29, 20, 32, 3, 903));
    expect(epochMsOfText('2026-11-29 20:32:03.9999+00')).toBe(Date.UTC(2026, 10, 29, 20, 32, 3, 999));
    expect(epochMsOfText('2026-11-29 20:32:03+00')).toBe(Date.UTC(2026, 10, 29, 20, 32, 3));
    expect(epochMsOfText('2026-11-29 22:32:03.5+02')).toBe(Date.UTC(2026, 10, 29, 20, 32, 3, 500));
    expect(epochMsOfText('2026-11-29 15:02:03-05:30')).toBe(Date.UTC(2026, 10, 29, 20, 32, 3));
    expect(epochMsOfText('2026-11-29T20:32:03Z')).toBe(Date.UTC(2026, 10, 29, 20, 32, 3));
    expect(epochMsOfText('0050-01-01 00:00:00+00')).toBe(new Date('0050-01-01T00:00:00Z').getTime());
  });

  it('gives null for what is not a timestamp', () => {
    expect(epochMsOfText('yesterday')).toBeNull();
    expect(epochMsOfText(null)).toBeNull();
    expect(epochMsOfText(new Uint8Array([1]))).toBeNull();
  });
});
