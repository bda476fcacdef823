import { describe, expect, it } from 'vitest';
import { mergeSql, normalizePredicates, type MergeInput } from '../../../src/core/models/materializations/merge-sql';
import { ModelCompileError } from '../../../src/core/models/errors';

const base: MergeInput = {
  target: '"lake"."main"."t"',
  temp: '"t__dbt_tmp"',
  uniqueKey: 'id',
  destColumns: ['id', 'amount', 'note'],
  predicates: [],
  config: {},
  ducklake: true,
  location: { file: '/p/models/t.sql', line: 1 },
};

const build = (over: Partial<MergeInput>) => mergeSql({ ...base, ...over });

describe("dbt-duckdb's merge statement", () => {
  it('defaults to UPDATE BY NAME / INSERT BY NAME, predicates joined into ON', () => {
    expect(build({ uniqueKey: ['id', 'region'], predicates: ['DBT_INTERNAL_DEST.x > 1'] })).toBe(
      [
        'MERGE INTO "lake"."main"."t" AS DBT_INTERNAL_DEST',
        'USING "t__dbt_tmp" AS DBT_INTERNAL_SOURCE',
        'ON (DBT_INTERNAL_SOURCE.id = DBT_INTERNAL_DEST.id) AND (DBT_INTERNAL_SOURCE.region = DBT_INTERNAL_DEST.region) AND (DBT_INTERNAL_DEST.x > 1)',
        'WHEN MATCHED THEN UPDATE BY NAME',
        'WHEN NOT MATCHED THEN INSERT BY NAME',
      ].join('\n'),
    );
  });

  it('joins ON (FALSE) without a key, and USING columns when set', () => {
    expect(build({ uniqueKey: undefined })).toContain('ON (FALSE)');
    expect(build({ config: { merge_on_using_columns: ['id'] }, predicates: ['p'] })).toContain('USING (id) ON (p)');
  });

  it('writes explicit updates: set expressions first, then the quoted columns not overridden', () => {
    const sql = build({
      config: {
        merge_exclude_columns: ['amount'],
        merge_update_set_expressions: { note: "'x'" },
        merge_update_condition: 'c',
      },
    });
    expect(sql).toContain(`WHEN MATCHED AND c THEN UPDATE SET note = 'x', "id" = DBT_INTERNAL_SOURCE."id"`);
  });

  it('writes every merge_clauses action and condition form', () => {
    const sql = build({
      config: {
        merge_clauses: {
          when_matched: [
            { action: 'delete', condition: ['a', 'b'] },
            { action: 'error', error_message: "it's" },
          ],
          when_not_matched: [
            { action: 'insert', mode: 'explicit', insert: { columns: ['id'], values: ['DBT_INTERNAL_SOURCE.id'] } },
            { by: 'source', action: 'update', set_expressions: { note: "'gone'" } },
          ],
        },
        merge_returning_columns: ['id'],
      },
    });
    expect(sql.split('\n').slice(3)).toEqual([
      'WHEN MATCHED AND (a) AND (b) THEN DELETE',
      "WHEN MATCHED THEN ERROR 'it''s'",
      'WHEN NOT MATCHED THEN INSERT (id) VALUES (DBT_INTERNAL_SOURCE.id)',
      "WHEN NOT MATCHED BY SOURCE THEN UPDATE SET note = 'gone'",
      'RETURNING id',
    ]);
  });

  it("fails with dbt-duckdb's validation messages, all at once", () => {
    const attempt = () =>
      build({
        config: {
          merge_update_columns: 'amount',
          merge_clauses: { when_matched: [{ action: 'update' }, { action: 'delete' }], when_not_matched: [] },
        },
      });
    expect(attempt).toThrow(ModelCompileError);
    expect(attempt).toThrow(
      /MERGE configuration errors:\nmerge_update_columns must be a list\nDuckLake MERGE restrictions/,
    );
    expect(attempt).toThrow(/merge_clauses.when_not_matched must contain at least one element/);
    expect(attempt).toThrow(
      /following basic merge configurations will be ignored and should be removed: merge_update_columns\./,
    );
  });

  it('normalises incremental predicates as dbt-duckdb does', () => {
    expect(normalizePredicates(null, undefined)).toEqual([]);
    expect(normalizePredicates('a > 1', undefined)).toEqual(['a > 1']);
    expect(() => normalizePredicates({ a: 1 }, undefined)).toThrow(
      'incremental_predicates must be a list of strings or a string',
    );
  });
});
