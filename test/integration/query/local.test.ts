import { rmSync, utimesSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryEngineClient } from '../../../src/core/engine/client';
import { QueryFailedError } from '../../../src/core/query/errors';
import type { Cell, QueryTarget } from '../../../src/core/query/types';
import { engineFor, localLakehouse, resolverFor } from './helpers';

const target: QueryTarget = { kind: 'local', lakehouse: 'energy' };
let engine: QueryEngineClient;
let catalogFile: string;

beforeAll(async () => {
  const { spec } = await localLakehouse('energy', [
    "CREATE TABLE lake.main.meter_readings AS SELECT i AS id, 'site-' || (i % 7) AS site, (i * 37) % 1000 AS kwh, CASE WHEN i % 5 = 0 THEN NULL ELSE 'note ' || i END AS note FROM range(10000) t(i)",
  ]);
  engine = engineFor(resolverFor({ 'local:energy': spec }));
  catalogFile = spec.catalogFile;
});
afterAll(() => engine.close());

async function all(resultId: string, request: Omit<Parameters<QueryEngineClient['page']>[1], 'offset' | 'limit'> = {}) {
  const rows: Cell[][] = [];
  for (let offset = 0; ; offset += 999) {
    const page = await engine.page(resultId, { offset, limit: 999, ...request });
    rows.push(...page.rows);
    if (offset + 999 >= page.totalRows) return { rows, total: page.totalRows };
  }
}

describe('query engine: local target, paging, sort and filter', () => {
  it('runs plain SQL against the working catalog with its default schema, read-only', async () => {
    const info = await engine.run({ sql: 'select * from meter_readings', target });
    expect(info.rowCount).toBe(10000);
    expect(info.columns.map((c) => [c.name, c.type, c.display])).toEqual([
      ['id', 'BIGINT', 'number'],
      ['site', 'VARCHAR', 'text'],
      ['kwh', 'BIGINT', 'number'],
      ['note', 'VARCHAR', 'text'],
    ]);
    expect(info.requests).toEqual({ log: 0, list: 0, data: 0, total: 0 });
    const page = await engine.page(info.resultId, { offset: 9998, limit: 10 });
    expect(page.rows).toEqual([
      ['9998', `site-${9998 % 7}`, String((9998 * 37) % 1000), 'note 9998'],
      ['9999', `site-${9999 % 7}`, String((9999 * 37) % 1000), 'note 9999'],
    ]);
    const write = await engine.run({ sql: 'insert into meter_readings values (1, 2, 3, 4)', target }).catch((e) => e);
    expect(write).toBeInstanceOf(QueryFailedError);
    expect((write as Error).message).toMatch(/read[- ]only/i);
    await engine.dispose(info.resultId);
    expect(await engine.page(info.resultId, { offset: 0, limit: 1 }).catch((e) => e.code)).toBe('result-gone');
  });

  it('pages in the original order, and sorts and filters by re-querying DuckDB', async () => {
    const info = await engine.run({ sql: 'select * from lake.main.meter_readings order by id desc', target });
    const original = await all(info.resultId);
    expect(original.rows.map((r) => Number(r[0]))).toEqual(Array.from({ length: 10000 }, (_, i) => 9999 - i));

    // Sort by kwh ascending; ties keep the original order (id descending).
    const sorted = await all(info.resultId, { sort: [{ column: 2, direction: 'asc' }] });
    const expected = [...original.rows].sort((a, b) => Number(a[2]) - Number(b[2]));
    expect(sorted.rows).toEqual(expected);

    const filtered = await all(info.resultId, {
      filters: [
        { column: 1, op: 'equals', value: 'site-3' },
        { column: 3, op: 'not-null' },
        { column: 2, op: 'gt', value: '900' },
      ],
      sort: [{ column: 0, direction: 'asc' }],
    });
    const expectFiltered = original.rows
      .filter((r) => r[1] === 'site-3' && r[3] !== null && Number(r[2]) > 900)
      .sort((a, b) => Number(a[0]) - Number(b[0]));
    expect(filtered.total).toBe(expectFiltered.length);
    expect(filtered.rows).toEqual(expectFiltered);

    const contains = await all(info.resultId, { filters: [{ column: 3, op: 'contains', value: 'NOTE 99' }] });
    expect(contains.rows.map((r) => r[3]).sort()).toEqual(
      original.rows
        .map((r) => r[3])
        .filter((n): n is string => typeof n === 'string' && n.includes('note 99'))
        .sort(),
    );
    const nulls = await engine.page(info.resultId, { offset: 0, limit: 5, filters: [{ column: 3, op: 'is-null' }] });
    expect(nulls.totalRows).toBe(2000);
    expect(nulls.rows.every((r) => r[3] === null)).toBe(true);
  });

  it('reports DuckDB errors with the position in the SQL the user wrote', async () => {
    const sql = 'select id,\n  nosuch_column from meter_readings';
    const error = (await engine.run({ sql, target }).catch((e) => e)) as QueryFailedError;
    expect(error).toBeInstanceOf(QueryFailedError);
    expect(error.message).toMatch(/nosuch_column/);
    expect(error.position).toBe(sql.indexOf('nosuch_column'));

    const multi = 'create temp table t1 as select 1 as a; select a from t1; select b from t1';
    const second = (await engine.run({ sql: multi, target }).catch((e) => e)) as QueryFailedError;
    expect(second.position).toBe(multi.lastIndexOf('b from'));

    const parse = (await engine
      .run({ sql: 'select * frm meter_readings', target })
      .catch((e) => e)) as QueryFailedError;
    expect(parse.message).toMatch(/Parser Error: syntax error at or near "meter_readings"/);
    expect(parse.position).toBe('select * frm '.length);
  });

  it('runs every statement; the last query becomes the result; DDL alone is statement-only', async () => {
    const ddl = await engine.run({ sql: 'create temp table scratch (x integer)', target });
    expect(ddl.statementOnly).toBe(true);
    expect(ddl.columns).toEqual([]);
    const info = await engine.run({
      sql: "-- a comment; with a semicolon\ncreate temp table s2 as select 42 as answer;\nselect answer, ';' as semi from s2 -- trailing",
      target,
    });
    expect((await engine.page(info.resultId, { offset: 0, limit: 10 })).rows).toEqual([['42', ';']]);
    const described = await engine.run({ sql: 'describe meter_readings', target });
    expect(described.rowCount).toBe(4);
  });
});

describe('query engine: a local catalog left mid-commit', () => {
  it('says a journal is beside the catalog and how to recover, and reads again once it is gone', async () => {
    // What a run killed mid-commit leaves: a hot journal, and a catalog file touched since the last snapshot.
    writeFileSync(`${catalogFile}-journal`, Buffer.alloc(512, 1));
    const later = new Date(Date.now() + 5_000);
    utimesSync(catalogFile, later, later);
    try {
      const error = await engine.run({ sql: 'select count(*) from meter_readings', target }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).message).toMatch(
        /^The local catalog of 'energy' has a write in progress, or a run that stopped mid-commit left it unfinished \(metadata\.db-journal beside it\)\./,
      );
    } finally {
      rmSync(`${catalogFile}-journal`);
    }
    const info = await engine.run({ sql: 'select count(*) as n from meter_readings', target });
    expect((await engine.page(info.resultId, { offset: 0, limit: 1 })).rows).toEqual([['10000']]);
  });
});
