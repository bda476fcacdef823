import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryEngineClient } from '../../../src/core/engine/client';
import { CancelledError } from '../../../src/core/errors';
import { DuckDBSession, quoteLiteral } from '../../../src/core/lake/duckdb';
import type { QueryTarget } from '../../../src/core/query/types';
import { duckdb } from '../support/lakehouse';
import { engineFor, localLakehouse, resolverFor } from './helpers';

const target: QueryTarget = { kind: 'local', lakehouse: 'analysis' };
let engine: QueryEngineClient;
const out = mkdtempSync(join(tmpdir(), 'lakehouse-query-export-'));

beforeAll(async () => {
  const { spec } = await localLakehouse('analysis', []);
  engine = engineFor(resolverFor({ 'local:analysis': spec }));
});
afterAll(() => engine.close());

async function count(source: string): Promise<number> {
  const session = await DuckDBSession.open({ ...duckdb, threads: 2 });
  try {
    const [row] = await session.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${source}`);
    return Number(row!.n);
  } finally {
    session.close();
  }
}

const MILLION = `select i as id, i % 1000 as bucket, 'row ' || i as label, TIMESTAMP '2026-01-01' + to_seconds(i) as at from range(1000000) t(i)`;

describe('column summary, chart series and full export', () => {
  it('summarises a column in DuckDB: nulls, distinct, exact min/max and a histogram', async () => {
    const info = await engine.run({
      target,
      sql: `select case when i % 10 = 0 then null else i end as n,
                   ['a','b','b','c','c','c'][1 + i % 6] as cat,
                   TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_hours(i) as at,
                   '9999999999999999999999999999.9999999999'::DECIMAL(38,10) - i as d
            from range(1000) t(i)`,
    });
    const n = await engine.summary(info.resultId, 0);
    expect({ nulls: n.nulls, distinct: n.distinct, min: n.min, max: n.max }).toEqual({
      nulls: 100,
      distinct: 900,
      min: '1',
      max: '999',
    });
    expect(n.histogram.length).toBeGreaterThan(1);
    expect(n.histogram.length).toBeLessThanOrEqual(20);
    expect(n.histogram.reduce((s, b) => s + b.count, 0)).toBe(900);

    const cat = await engine.summary(info.resultId, 1);
    expect(cat.histogram).toEqual([
      { label: 'c', count: 499 },
      { label: 'b', count: 334 },
      { label: 'a', count: 167 },
    ]);
    expect(cat.distinct).toBe(3);

    const at = await engine.summary(info.resultId, 2);
    expect([at.min, at.max]).toEqual(['2026-01-01T00:00:00+00', '2026-02-11T15:00:00+00']);
    expect(at.histogram.reduce((s, b) => s + b.count, 0)).toBe(1000);

    const d = await engine.summary(info.resultId, 3);
    expect([d.min, d.max]).toEqual([
      '9999999999999999999999999000.9999999999',
      '9999999999999999999999999999.9999999999',
    ]);
  });

  it('returns chart series as they are under the limit, sampled or aggregated beyond it', async () => {
    const info = await engine.run({
      target,
      sql: `select i as x, i * 2 as y, case when i % 2 = 0 then 'even' else 'odd' end as kind, 'k' || (i % 5) as cat from range(100) t(i)`,
    });
    const plain = await engine.chart(info.resultId, { x: 0, y: 1, limit: 1000 });
    expect(plain.reduced).toBe(false);
    expect(plain.xDisplay).toBe('number');
    expect(plain.series).toHaveLength(1);
    expect(plain.series[0]!.points.slice(0, 3)).toEqual([
      { x: 0, y: 0 },
      { x: 1, y: 2 },
      { x: 2, y: 4 },
    ]);
    const split = await engine.chart(info.resultId, { x: 0, y: 1, series: 2, limit: 1000 });
    expect(split.series.map((s) => [s.name, s.points.length])).toEqual([
      ['even', 50],
      ['odd', 50],
    ]);
    const sampled = await engine.chart(info.resultId, { x: 0, y: 1, limit: 10 });
    expect(sampled.reduced).toBe(true);
    const points = sampled.series[0]!.points;
    expect(points).toHaveLength(10);
    expect(points.every((p) => p.y === (p.x as number) * 2)).toBe(true);
    const xs = points.map((p) => p.x as number);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
    const aggregated = await engine.chart(info.resultId, { x: 3, y: 1, limit: 3 });
    expect(aggregated.reduced).toBe(true);
    // sum of 2*i for i ≡ k (mod 5): k4 has the largest sum.
    expect(aggregated.series[0]!.points).toEqual([
      { x: 'k4', y: 2 * [...Array(20)].reduce((s, _, j) => s + 5 * j + 4, 0) },
      { x: 'k3', y: 2 * [...Array(20)].reduce((s, _, j) => s + 5 * j + 3, 0) },
      { x: 'k2', y: 2 * [...Array(20)].reduce((s, _, j) => s + 5 * j + 2, 0) },
    ]);
  });

  it('exports the full 1,000,000-row result to csv, parquet and json with progress; sort and filters apply', async () => {
    const info = await engine.run({ target, sql: MILLION });
    expect(info.rowCount).toBe(1_000_000);
    for (const format of ['csv', 'parquet', 'json'] as const) {
      const path = join(out, `million.${format}`);
      const progress: number[] = [];
      const result = await engine.export(info.resultId, { format, path }, undefined, (n) => progress.push(n));
      expect(result.rows, format).toBe(1_000_000);
      expect(result.bytes).toBeGreaterThan(0);
      expect(progress.at(-1)).toBe(1_000_000);
      const reader = format === 'csv' ? 'read_csv' : format === 'json' ? 'read_json' : 'read_parquet';
      expect(await count(`${reader}(${quoteLiteral(path)})`), format).toBe(1_000_000);
    }
    const filtered = join(out, 'filtered.csv');
    const result = await engine.export(info.resultId, {
      format: 'csv',
      path: filtered,
      filters: [{ column: 1, op: 'equals', value: '7' }],
      sort: [{ column: 0, direction: 'desc' }],
    });
    expect(result.rows).toBe(1000);
    const session = await DuckDBSession.open(duckdb);
    try {
      const rows = await session.all<{ id: bigint }>(`SELECT id FROM read_csv(${quoteLiteral(filtered)}) LIMIT 2`);
      expect(rows.map((r) => Number(r.id))).toEqual([999007, 998007]);
    } finally {
      session.close();
    }
  });

  it('cancels an export (DuckDB interrupted) and the engine keeps working', async () => {
    const info = await engine.run({
      target,
      sql: `select i, i * 2 as j, 'label ' || i as pad from range(3000000) t(i)`,
    });
    const abort = new AbortController();
    const path = join(out, 'cancelled.json');
    // The first progress report comes 200 ms into the COPY; writing 3M rows of JSON takes longer.
    const exporting = engine.export(info.resultId, { format: 'json', path }, abort.signal, () => abort.abort());
    await expect(exporting).rejects.toBeInstanceOf(CancelledError);
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(out).filter((f) => f.startsWith('cancelled'))).toEqual([]);
    const page = await engine.page(info.resultId, { offset: 2_999_999, limit: 5 });
    expect(page.rows).toEqual([['2999999', '5999998', 'label 2999999']]);
    await engine.dispose(info.resultId);
  });
});
