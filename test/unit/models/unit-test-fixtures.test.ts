import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FixtureColumnError,
  expectedSql,
  fixtureLiteral,
  fixtureSql,
} from '../../../src/core/models/unit-tests/fixture-sql';
import { renderUnitTestDiff } from '../../../src/core/models/unit-tests/diff';
import {
  parseInputExpression,
  parseUnitTests,
  promoteFirstCompleteRow,
} from '../../../src/core/models/unit-tests/spec';

const COLUMNS = [
  { name: 'id', type: 'INTEGER' },
  { name: 'Name', type: 'VARCHAR' },
  { name: 'paid', type: 'BOOLEAN' },
];

describe('unit test fixtures as dbt writes them', () => {
  it('casts every set value to the column type and fills the rest with typed nulls', () => {
    expect(fixtureSql([{ id: 1, name: "O'Neil" }], COLUMNS, "'people'")).toBe(
      `select cast(1 as INTEGER) as "id", cast('O''Neil' as VARCHAR) as "Name", cast(null as BOOLEAN) as "paid"`,
    );
  });

  it('writes values as Python prints them: True/False, null, numbers bare, strings quoted', () => {
    expect([true, false, null, 2.5, '2024-01-01'].map(fixtureLiteral)).toEqual([
      'True',
      'False',
      'null',
      '2.5',
      "'2024-01-01'",
    ]);
  });

  it('an empty fixture is one typed row with LIMIT 0', () => {
    expect(fixtureSql([], COLUMNS, "'people'")).toMatch(/^select cast\(null as INTEGER\) as "id", .*\nlimit 0$/);
  });

  it("names a column the input does not have, with dbt's message", () => {
    expect(() => fixtureSql([{ idd: 1 }], COLUMNS, "'people'")).toThrow(FixtureColumnError);
    expect(() => fixtureSql([{ idd: 1 }], COLUMNS, "'people'")).toThrow(
      "Invalid column name: 'idd' in unit test fixture for 'people'.\nAccepted columns for 'people' are: ['id', 'name', 'paid']",
    );
  });

  it('expected rows keep only their own columns; none at all selects nothing from the actual rows', () => {
    expect(expectedSql([{ paid: true }], COLUMNS)).toBe('select cast(True as BOOLEAN) as "paid"');
    expect(expectedSql([], COLUMNS)).toBe('select * from dbt_internal_unit_test_actual\nlimit 0');
  });

  it('puts the first row without nulls first, as dbt does', () => {
    expect(promoteFirstCompleteRow([{ a: null }, { a: 1 }, { a: 2 }])).toEqual([{ a: 1 }, { a: null }, { a: 2 }]);
    expect(promoteFirstCompleteRow([{ a: null }])).toEqual([{ a: null }]);
  });

  it('renders a diff that says which side has each row', () => {
    const text = renderUnitTestDiff(
      ['id', 'name'],
      [
        { side: 'expected', id: 1, name: null },
        { side: 'actual', id: 2, name: 'b' },
      ],
    );
    expect(text.split('\n').slice(0, 3)).toEqual(['@@  | id | name', '+++ | 2  | b', '--- | 1  | NULL']);
  });
});

describe('unit test inputs and YAML', () => {
  let dir: string | undefined;
  afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('reads ref, package ref, source and this statically', () => {
    expect(parseInputExpression("ref('a')")).toEqual({ kind: 'ref', args: ['a'] });
    expect(parseInputExpression('ref("pkg", "a")')).toEqual({ kind: 'ref', args: ['pkg', 'a'] });
    expect(parseInputExpression("source('s', 't')")).toEqual({ kind: 'source', args: ['s', 't'] });
    expect(parseInputExpression('this')).toEqual({ kind: 'this', args: [] });
    expect(parseInputExpression("ref('a' ~ 'b')")).toBeUndefined();
    expect(parseInputExpression("source('only_one')")).toBeUndefined();
  });

  it('csv rows are strings, an empty field is null; sql rows stay SQL; overrides are kept', () => {
    dir = mkdtempSync(join(tmpdir(), 'ut-spec-'));
    const file = join(dir, 'unit.yml');
    writeFileSync(file, 'unit_tests:\n  - name: t\n');
    const [spec] = parseUnitTests(
      [
        {
          name: 't',
          model: 'm',
          overrides: { vars: { x: 1 }, env_vars: { E: 2 }, macros: { is_incremental: true } },
          given: [
            { input: "ref('a')", format: 'csv', rows: 'id,name\n1,\n2,b\n' },
            { input: "source('s','t')", format: 'sql', rows: 'select 1 as id' },
            { input: "ref('seed')" },
          ],
          expect: { rows: [{ id: 1 }] },
        },
      ],
      file,
    );
    expect(spec!.given[0]!.fixture).toEqual({
      format: 'rows',
      rows: [
        { id: '1', name: null },
        { id: '2', name: 'b' },
      ],
    });
    expect(spec!.given[1]!.fixture).toEqual({ format: 'sql', sql: 'select 1 as id' });
    expect(spec!.given[2]!.fixture).toBeUndefined();
    expect(spec!.overrides).toEqual({ vars: { x: 1 }, envVars: { E: '2' }, macros: { is_incremental: true } });
    expect(spec!.location).toEqual({ file, line: 2 });
  });
});
