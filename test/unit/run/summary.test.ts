import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../src/core/models';
import { conciseError, formatRunSummary, tally } from '../../../src/core/run/summary';

const result = (name: string, status: 'success' | 'error' | 'skipped', rows?: number) => ({
  uniqueId: `model.p.${name}`,
  name,
  resourceType: 'model' as const,
  status,
  executionTime: 0.5,
  rowsAffected: rows,
  message: status,
  startedAt: '',
  completedAt: '',
});

describe('run summary', () => {
  const summary = {
    command: 'run',
    runner: 'builtin',
    results: [result('stg_a', 'success', 1200), result('fct_b', 'error'), result('rpt_c', 'skipped')],
    elapsedTime: 1.25,
    success: false,
    invocationId: 'x',
  } as RunSummary;

  it('tabulates nodes with status, rows and seconds, and tallies them', () => {
    const text = formatRunSummary(summary);
    expect(text.split('\n')[0]).toMatch(/^node\s+status\s+rows\s+seconds$/);
    expect(text).toMatch(/stg_a\s+success\s+1200\s+0\.50/);
    expect(text.split('\n').at(-1)).toBe('run (builtin): 1 success, 1 error, 1 skipped in 1.25 s');
    expect(tally({ ...summary, results: [] })).toBe('nothing selected');
  });

  it('drops the location and "model failed" prefixes the Problems panel already shows', () => {
    expect(
      conciseError('/w/models/x.sql:4: model x failed: Binder Error: Referenced column "y" not found\nLINE 1: ...'),
    ).toBe('Binder Error: Referenced column "y" not found');
    expect(conciseError('Catalog Error: Table t does not exist')).toBe('Catalog Error: Table t does not exist');
  });
});
