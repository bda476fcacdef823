import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryEngineClient } from '../../../src/core/engine/client';
import { quoteLiteral } from '../../../src/core/lake/duckdb';
import type { QueryTarget } from '../../../src/core/query/types';
import { engineFor, localLakehouse, resolverFor } from './helpers';

const target: QueryTarget = { kind: 'local', lakehouse: 'values' };
let engine: QueryEngineClient;

beforeAll(async () => {
  const { spec } = await localLakehouse('values', []);
  engine = engineFor(resolverFor({ 'local:values': spec }));
});
afterAll(() => engine.close());

async function one(sql: string) {
  const info = await engine.run({ sql, target });
  const page = await engine.page(info.resultId, { offset: 0, limit: 100 });
  return { info, row: page.rows[0]!, rows: page.rows };
}

describe('values are exact and honest', () => {
  it('HUGEINT, UHUGEINT, UBIGINT, BIGINT and DECIMAL(38,10) extremes to the last digit, equal to DuckDB’s own text', async () => {
    const values = [
      ["'-170141183460469231731687303715884105728'::HUGEINT", '-170141183460469231731687303715884105728'],
      ['170141183460469231731687303715884105727::HUGEINT', '170141183460469231731687303715884105727'],
      ['340282366920938463463374607431768211455::UHUGEINT', '340282366920938463463374607431768211455'],
      ['18446744073709551615::UBIGINT', '18446744073709551615'],
      ["'-9223372036854775808'::BIGINT", '-9223372036854775808'],
      ['9999999999999999999999999999.9999999999::DECIMAL(38,10)', '9999999999999999999999999999.9999999999'],
      ["'-9999999999999999999999999999.9999999999'::DECIMAL(38,10)", '-9999999999999999999999999999.9999999999'],
      ['0.0000000001::DECIMAL(38,10)', '0.0000000001'],
      ['9007199254740993::BIGINT', '9007199254740993'],
    ] as const;
    const sql = `select ${values.map(([v], i) => `${v} AS v${i}, CAST(${v} AS VARCHAR) AS t${i}`).join(', ')}`;
    const { info, row } = await one(sql);
    values.forEach(([, expected], i) => {
      expect(row[2 * i], info.columns[2 * i]!.type).toBe(expected);
      expect(row[2 * i]).toBe(row[2 * i + 1]);
    });
    expect(info.columns.filter((_, i) => i % 2 === 0).map((c) => c.type)).toEqual([
      'HUGEINT',
      'HUGEINT',
      'UHUGEINT',
      'UBIGINT',
      'BIGINT',
      'DECIMAL(38,10)',
      'DECIMAL(38,10)',
      'DECIMAL(38,10)',
      'BIGINT',
    ]);
    expect(info.columns.every((c, i) => i % 2 === 1 || c.display === 'number')).toBe(true);
  });

  it('timestamps ISO 8601 with the zone where the type has one', async () => {
    const { info, row } = await one(`select
      TIMESTAMPTZ '2024-03-10 02:30:00.123456+05:30' AS tz,
      TIMESTAMP '2024-01-01 12:34:56.789' AS ts,
      TIMESTAMP_NS '2024-01-01 00:00:00.123456789' AS ns,
      TIMESTAMPTZ '1970-01-01 00:00:00+00' AS epoch,
      DATE '2024-02-29' AS d,
      TIME '23:59:59.999999' AS t,
      INTERVAL 90 MINUTE AS i`);
    expect(row).toEqual([
      '2024-03-09T21:00:00.123456+00',
      '2024-01-01T12:34:56.789',
      '2024-01-01T00:00:00.123456789',
      '1970-01-01T00:00:00+00',
      '2024-02-29',
      '23:59:59.999999',
      '01:30:00',
    ]);
    expect(info.columns.map((c) => c.display)).toEqual([
      'temporal',
      'temporal',
      'temporal',
      'temporal',
      'temporal',
      'temporal',
      'other',
    ]);
  });

  it('lists, structs and maps as compact JSON; blobs as a bounded hex preview; booleans true/false', async () => {
    const { info, row } = await one(`select
      [1, 2, NULL] AS l,
      {'a': 170141183460469231731687303715884105727::HUGEINT, 'b': 'x"y', 'c': [TIMESTAMP '2024-01-01 00:00:00']} AS s,
      MAP {'k': [1], 'z': []} AS m,
      '\\xAA\\xBB\\x00'::BLOB AS b,
      repeat('\\xFF', 1000)::BLOB AS big,
      true AS yes, false AS no, NULL::BOOLEAN AS unknown`);
    expect(row.slice(0, 3)).toEqual([
      '[1,2,null]',
      '{"a":170141183460469231731687303715884105727,"b":"x\\"y","c":["2024-01-01 00:00:00"]}',
      '{"k":[1],"z":[]}',
    ]);
    expect(row[3]).toBe('0xAABB00');
    expect(row[4]).toBe(`0x${'FF'.repeat(256)}… (1000 bytes)`);
    expect(row.slice(5)).toEqual(['true', 'false', null]);
    expect(info.columns.map((c) => c.display)).toEqual([
      'json',
      'json',
      'json',
      'blob',
      'blob',
      'boolean',
      'boolean',
      'boolean',
    ]);
  });

  it('NULL is distinct from the empty string', async () => {
    const { rows } = await one(`select * from (values (NULL::VARCHAR, 1), ('', 2), ('NULL', 3)) t(v, n) order by n`);
    expect(rows.map((r) => r[0])).toEqual([null, '', 'NULL']);
  });

  it('a 1 MB string arrives whole and hostile strings byte-identical', async () => {
    const big = 'é'.repeat(262_144) + 'a'.repeat(524_288); // 1 MiB of UTF-8
    expect(Buffer.byteLength(big)).toBe(1_048_576);
    const hostile = [
      '<img src=x onerror=alert(1)>',
      '</script><script>alert(1)</script>',
      'javascript:alert(document.cookie)',
      '\u0001\u0007\b\t\n\r\u001b[31m',
      '\u202Eevil\u202C مرحبا שלום',
      "'; DROP TABLE x; --",
      '{"not":"json"',
      '😀 \uFEFF z\u200Dw',
    ];
    const sql = `select * from (values ${[big, ...hostile].map((v, i) => `(${i}, ${quoteLiteral(v)})`).join(', ')}) t(i, v) order by i`;
    const { rows } = await one(sql);
    expect(rows[0]![1]!.length).toBe(big.length);
    expect(rows[0]![1] === big).toBe(true);
    expect(rows.slice(1).map((r) => r[1])).toEqual(hostile);
  });
});
