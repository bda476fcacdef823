import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../src/core/models';
import { progressReporter } from '../../../src/core/models/progress-events';
import { readsOfParsedSql } from '../../../src/core/models/skip-unchanged/sql-reads';
import { formatRunSummary, tally } from '../../../src/core/run/summary';

const result = (name: string, status: 'success' | 'skipped', unchanged?: boolean) => ({
  uniqueId: `model.p.${name}`,
  name,
  resourceType: 'model' as const,
  status,
  executionTime: 0,
  message: unchanged ? 'unchanged since run abc (2026-11-29T20:00:00.000Z)' : 'Skipped: upstream x failed',
  startedAt: '',
  completedAt: '',
  ...(unchanged ? { unchanged } : {}),
});

describe('models skipped as unchanged, as the run reports them', () => {
  it('are counted as unchanged, apart from those skipped after a failure', () => {
    const summary: RunSummary = {
      command: 'build',
      runner: 'builtin',
      results: [
        result('a', 'success'),
        result('b', 'skipped', true),
        result('c', 'skipped', true),
        result('d', 'skipped'),
      ],
      elapsedTime: 1,
      success: true,
      invocationId: 'x',
    };
    expect(tally(summary)).toBe('1 success, 2 unchanged, 1 skipped');
    expect(formatRunSummary(summary).split('\n')[2]).toMatch(/^b\s+unchanged\s/);
  });

  it('show in the progress notification, and still advance it', () => {
    const reports: Array<{ message?: string; increment?: number }> = [];
    const onEvent = progressReporter({ report: (u) => reports.push(u) });
    const node = { uniqueId: 'model.p.b', name: 'b', resourceType: 'model' as const };
    onEvent({ kind: 'skipped', node, index: 1, total: 4, reason: 'unchanged since run abc', unchanged: true });
    onEvent({ kind: 'skipped', node, index: 2, total: 4, reason: 'upstream a failed' });
    expect(reports).toEqual([{ message: '2/4 b (unchanged)', increment: 25 }, { increment: 25 }]);
  });
});

describe('the reads of a parsed SELECT', () => {
  it('refuses what json_serialize_sql did not parse as one statement', () => {
    expect(readsOfParsedSql({ error: true, error_message: 'Only SELECT statements can be serialized' })).toEqual({
      unsafe: 'its SQL is not a single SELECT DuckDB’s parser can serialize',
    });
    expect(readsOfParsedSql(null)).toHaveProperty('unsafe');
  });
});
