import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { duckdbErrorInfo } from '../../../src/core/query/errors';
import { HISTORY_LIMIT, QueryHistoryStore } from '../../../src/core/query/history';
import { columnDisplay, renderExpression } from '../../../src/core/query/render';
import { splitStatements } from '../../../src/core/query/sqlText';

describe('splitStatements', () => {
  it('splits at top-level semicolons only, with each statement’s offset', () => {
    const sql = 'select \';\' as a; -- c;\n select "x;y" from t /* ; */; select $$;$$ ;  ';
    const parts = splitStatements(sql);
    expect(parts.map((p) => p.text)).toEqual([
      "select ';' as a",
      '-- c;\n select "x;y" from t /* ; */',
      'select $$;$$',
    ]);
    for (const p of parts) expect(sql.slice(p.start, p.start + p.text.length)).toBe(p.text);
  });

  it('drops segments holding only comments and whitespace', () => {
    expect(splitStatements('select 1; -- only a comment\n;  ').map((p) => p.text)).toEqual(['select 1']);
    expect(splitStatements("select 'it''s;' ").map((p) => p.text)).toEqual(["select 'it''s;'"]);
  });
});

describe('column display and rendering', () => {
  it('maps DuckDB types to how the grid shows them', () => {
    expect(
      [
        'DECIMAL(38,10)',
        'HUGEINT',
        'UBIGINT',
        'DOUBLE',
        'VARCHAR',
        'BOOLEAN',
        'TIMESTAMP WITH TIME ZONE',
        'DATE',
        'INTEGER[]',
        'STRUCT(a INTEGER)',
        'MAP(VARCHAR, INTEGER)',
        'JSON',
        'BLOB',
        'INTERVAL',
        'UUID',
      ].map(columnDisplay),
    ).toEqual([
      'number',
      'number',
      'number',
      'number',
      'text',
      'boolean',
      'temporal',
      'temporal',
      'json',
      'json',
      'json',
      'json',
      'blob',
      'other',
      'text',
    ]);
  });

  it('never lets DuckDB hand a number to JS: every rendering is VARCHAR', () => {
    expect(renderExpression('"x"', 'HUGEINT')).toBe('CAST("x" AS VARCHAR)');
    expect(renderExpression('"x"', 'INTEGER[]')).toBe('CAST(to_json("x") AS VARCHAR)');
  });
});

describe('duckdbErrorInfo', () => {
  it('reads the JSON error and maps the position back into the user’s SQL', () => {
    const error = new Error(
      '{"exception_type":"Binder","exception_message":"Referenced column \\"b\\" not found","position":"30"}',
    );
    expect(duckdbErrorInfo(error, -20, 40)).toEqual({
      code: 'query-failed',
      message: 'Binder Error: Referenced column "b" not found',
      position: 10,
    });
    expect(
      duckdbErrorInfo(
        new Error('Parser Error: {"exception_type":"Parser","exception_message":"x","position":"3"}'),
        0,
        10,
      ).position,
    ).toBe(3);
    expect(duckdbErrorInfo(new Error('{"exception_type":"INTERRUPT","exception_message":"Interrupted!"}')).code).toBe(
      'cancelled',
    );
  });

  it('falls back to the LINE/caret text form', () => {
    const error = new Error(
      'Parser Error: syntax error at or near "frm"\n\nLINE 1: select * frm t\n                 ^',
    );
    expect(duckdbErrorInfo(error, 0, 15).position).toBe(9);
  });
});

describe('QueryHistoryStore', () => {
  it('keeps the newest 100, newest first, written atomically as JSON', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'history-')), 'nested', 'history.json');
    const store = new QueryHistoryStore(file);
    expect(await store.list()).toEqual([]);
    await Promise.all(
      Array.from({ length: HISTORY_LIMIT + 5 }, (_, i) =>
        store.add({
          sql: `select ${i}`,
          target: { kind: 'local', lakehouse: 'a' },
          at: new Date(i).toISOString(),
          rowCount: i,
          elapsedMs: 1,
        }),
      ),
    );
    const entries = await store.list();
    expect(entries).toHaveLength(HISTORY_LIMIT);
    expect(entries[0]!.sql).toBe(`select ${HISTORY_LIMIT + 4}`);
    expect(entries.at(-1)!.sql).toBe('select 5');
    expect(JSON.parse(readFileSync(file, 'utf8')).entries).toHaveLength(HISTORY_LIMIT);
  });

  it('treats a damaged file as empty and replaces it on the next add', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'history-')), 'history.json');
    writeFileSync(file, '{ not json');
    const store = new QueryHistoryStore(file);
    expect(await store.list()).toEqual([]);
    await store.add({
      sql: 'x',
      target: { kind: 'published', lakehouse: 'b' },
      at: 'now',
      rowCount: null,
      elapsedMs: 0,
      error: 'boom',
    });
    expect((await store.list()).map((e) => e.error)).toEqual(['boom']);
  });
});
