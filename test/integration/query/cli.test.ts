import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DuckDBSession, quoteLiteral } from '../../../src/core/lake/duckdb';
import { duckdb, runCli } from '../support/lakehouse';
import { localLakehouse } from './helpers';

let ws: string;

beforeAll(async () => {
  ws = mkdtempSync(join(tmpdir(), 'lakehouse-query-cli-'));
  writeFileSync(
    join(ws, 'lakehouse.yml'),
    'lakehouses:\n  - name: energy\n    location: azurite://127.0.0.1:1/ws/energy.Lakehouse\n  - name: empty\n    location: azurite://127.0.0.1:1/ws/empty.Lakehouse\n',
  );
  await localLakehouse(
    'energy',
    [
      "CREATE TABLE lake.main.readings AS SELECT i AS id, CASE WHEN i % 3 = 0 THEN NULL WHEN i % 3 = 1 THEN '' ELSE 'a,\"b\"' END AS note, '99999999999999999999999999999999999999'::DECIMAL(38,0) AS big FROM range(2500) t(i)",
    ],
    ws,
  );
});

const cli = (...args: string[]) => runCli(['query', ...args], {}, ws);

async function countRows(source: string): Promise<number> {
  const session = await DuckDBSession.open(duckdb);
  try {
    const [row] = await session.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${source}`);
    return Number(row!.n);
  } finally {
    session.close();
  }
}

describe('lakehouse query (real CLI processes)', () => {
  it('prints a table with types, NULL apart from the empty string, and the row count', async () => {
    const r = await cli('select id, note, big from readings order by id limit 3', '--lakehouse', 'energy');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^\s*id │ note\s+│\s+big$/);
    expect(lines[1]).toMatch(/BIGINT.*VARCHAR.*DECIMAL\(38,0\)/);
    expect(lines[3]).toMatch(/^\s*0 │ NULL\s+│ 99999999999999999999999999999999999999$/);
    expect(lines[4]).toMatch(/^\s*1 │\s+│ 99999999999999999999999999999999999999$/);
    expect(r.stderr).toMatch(/3 rows; local energy, DuckDB/);
  });

  it('streams every row as CSV and as JSON, exactly', async () => {
    const csv = await cli('select id, note, big from readings order by id', '--lakehouse', 'energy', '--format', 'csv');
    expect(csv.code, csv.stderr).toBe(0);
    const lines = csv.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2501);
    expect(lines.slice(0, 4)).toEqual([
      'id,note,big',
      '0,,99999999999999999999999999999999999999',
      '1,"",99999999999999999999999999999999999999',
      '2,"a,""b""",99999999999999999999999999999999999999',
    ]);
    const json = await cli(
      'select id, note, big from readings order by id',
      '--lakehouse',
      'energy',
      '--format',
      'json',
    );
    expect(json.code, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout) as { rows: (string | null)[][]; rowCount: number; columns: { name: string }[] };
    expect(doc.rowCount).toBe(2500);
    expect(doc.rows).toHaveLength(2500);
    expect(doc.rows[2]).toEqual(['2', 'a,"b"', '99999999999999999999999999999999999999']);
    expect(doc.rows[0]![1]).toBeNull();
    expect(doc.rows[1]![1]).toBe('');
  });

  it('writes the full result to csv, json and parquet with --output', async () => {
    for (const [format, file] of [
      ['csv', 'out.csv'],
      ['json', 'out.json'],
      ['parquet', 'out.parquet'],
    ] as const) {
      const r = await cli('select * from readings', '--lakehouse', 'energy', '--output', file);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/Wrote 2500 rows/);
      const path = join(ws, file);
      const reader =
        format === 'csv'
          ? `read_csv(${quoteLiteral(path)})`
          : format === 'json'
            ? `read_json(${quoteLiteral(path)})`
            : `read_parquet(${quoteLiteral(path)})`;
      expect(await countRows(reader), format).toBe(2500);
    }
  });

  it('exits 9 on a SQL error and points at it; 1 for a lakehouse never pulled; 2 for a bad format', async () => {
    const bad = await cli('select nope from readings', '--lakehouse', 'energy');
    expect(bad.code).toBe(9);
    expect(bad.stderr).toContain('LINE 1: select nope from readings\n               ^');
    expect(bad.stderr).toMatch(/Binder Error: Referenced column "nope" not found/);
    const empty = await cli('select 1', '--lakehouse', 'empty');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/no local catalog yet.*Pull it first/s);
    expect((await cli('select 1', '--lakehouse', 'energy', '--format', 'xml')).code).toBe(2);
    const history = JSON.parse(readFileSync(join(ws, '.lakehouse', 'query-history.json'), 'utf8')) as {
      entries: { sql: string; error?: string }[];
    };
    expect(history.entries[0]).toMatchObject({ sql: 'select 1', error: expect.stringMatching(/no local catalog/) });
    expect(history.entries[1]).toMatchObject({
      sql: 'select nope from readings',
      error: expect.stringMatching(/nope/),
    });
  });
});
