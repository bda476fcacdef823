import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { runReadingRows } from '../../../src/core/lake/duckdb';

/**
 * runReadingRows reads DuckDB's materialized result without a round trip per chunk; what it returns
 * must be exactly what node-api's own reader gives (`runAndReadAll(…).getRowObjectsJS()`).
 */
describe('runReadingRows', () => {
  it('gives the names and rows node-api’s reader gives, for every kind of value and size', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const queries = [
        // Every value kind the runner and the query view meet, NULLs, and a repeated column name.
        `SELECT 1::TINYINT AS a, 2::BIGINT AS b, 3::HUGEINT AS c, 4::UBIGINT AS d, 1.5::DOUBLE AS e,
                12345.678::DECIMAL(18,3) AS f, 1::DECIMAL(38,10) AS g, 'it''s' AS h, NULL AS i, true AS j,
                DATE '2024-02-29' AS k, TIMESTAMP '2024-02-29 12:34:56.789' AS l, TIMESTAMPTZ '2024-02-29 12:00:00+01' AS m,
                INTERVAL 3 DAY AS n, '\\x00\\xff'::BLOB AS o, [1, NULL, 3] AS p, {'x': 1, 'y': [true]} AS q,
                MAP {'k': 2} AS r, uuid() IS NOT NULL AS s, 7 AS dup, 8 AS dup, 9 AS dup`,
        // Several chunks (DuckDB's are 2,048 rows).
        'SELECT range AS x, range % 3 AS y FROM range(5000)',
        // No rows; a statement with no result rows; DML's count; several statements (the last one's result).
        'SELECT 1 AS x WHERE false',
        'CREATE TABLE t (x INTEGER)',
        'INSERT INTO t SELECT range FROM range(10)',
        'UPDATE t SET x = x + 1; SELECT count(*) AS n, sum(x) AS s FROM t',
      ];
      for (const sql of queries) {
        const ours = await runReadingRows(connection, sql);
        // The reference runs on a fresh copy of the state each time: DML runs once per side, so compare on a select.
        if (/^(CREATE|INSERT|UPDATE)/.test(sql)) {
          expect(ours.columnNames.length, sql).toBeGreaterThan(0);
          continue;
        }
        const reference = await connection.runAndReadAll(sql);
        expect(ours.columnNames, sql).toEqual(reference.columnNames());
        expect(ours.rows, sql).toEqual(reference.getRowObjectsJS());
      }
      const [counted] = (await runReadingRows(connection, 'INSERT INTO t VALUES (1), (2)')).rows;
      expect(counted).toEqual({ Count: 2n });
      const dup = (await runReadingRows(connection, 'SELECT 7 AS dup, 8 AS dup')).rows;
      expect(dup).toEqual([{ dup: 7, 'dup:1': 8 }]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
