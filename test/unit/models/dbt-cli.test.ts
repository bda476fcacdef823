import { describe, expect, it } from 'vitest';
import { DbtLogTranslator } from '../../../src/core/models/dbt-cli/log-events';
import { dbtArguments } from '../../../src/core/models/dbt-cli/runner';
import type { RunEvent } from '../../../src/core/models/types';

const line = (name: string, status: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    info: { name, msg: `\u001b[32m${name}\u001b[0m msg`, level: status === 'error' ? 'error' : 'info' },
    data: {
      index: 1,
      total: 2,
      node_info: {
        unique_id: 'model.p.m',
        node_name: 'm',
        resource_type: 'model',
        node_status: status,
        node_path: 'm.sql',
      },
      ...extra,
    },
  });

describe('dbt CLI runner', () => {
  it('builds the dbt command line', () => {
    expect(
      dbtArguments('run', {
        projectDir: '/p',
        select: ['a+', 'tag:x'],
        exclude: ['b'],
        fullRefresh: true,
        vars: { n: 1 },
        target: 'ci',
      }),
    ).toEqual([
      'run',
      '--log-format',
      'json',
      '--project-dir',
      '/p',
      '--target',
      'ci',
      '--select',
      'a+',
      'tag:x',
      '--exclude',
      'b',
      '--full-refresh',
      '--vars',
      '{"n":1}',
    ]);
    expect(dbtArguments('test', { projectDir: '/p', fullRefresh: true, profilesDir: '/q' })).toEqual([
      'test',
      '--log-format',
      'json',
      '--project-dir',
      '/p',
      '--profiles-dir',
      '/q',
    ]);
  });

  it('turns JSON log lines into started / succeeded / failed / skipped / log events', () => {
    const events: RunEvent[] = [];
    const t = new DbtLogTranslator((e) => events.push(e));
    t.line(line('LogStartLine', 'started'));
    t.line(line('LogModelResult', 'success', { execution_time: 0.5 }));
    t.line(JSON.stringify({ info: { name: 'JinjaLogInfo', msg: 'hello', level: 'info' }, data: {} }));
    t.line(line('LogModelResult', 'error'));
    t.line('not json');
    expect(events.map((e) => e.kind)).toEqual(['started', 'succeeded', 'log', 'log']);
    // dbt's "1 of 2" becomes position 0 of 2, like the built-in runner's events.
    expect(events[0]).toMatchObject({ kind: 'started', index: 0, total: 2 });
    expect(events[1]).toMatchObject({
      kind: 'succeeded',
      index: 0,
      total: 2,
      seconds: 0.5,
      status: 'success',
      message: 'LogModelResult msg',
    });
    const t2 = new DbtLogTranslator((e) => events.push(e));
    t2.line(line('LogModelResult', 'error'));
    t2.line(
      JSON.stringify({
        info: { name: 'SkippingDetails', msg: 'skip', level: 'info' },
        data: { node_info: { unique_id: 'model.p.x', node_status: 'skipped', resource_type: 'model' } },
      }),
    );
    expect(events.slice(-2).map((e) => e.kind)).toEqual(['failed', 'skipped']);
    expect(t2.errors).toEqual(['LogModelResult msg']);
  });
});

describe('progress reporting', () => {
  it('reports the running node and one increment per finished node', async () => {
    const { progressReporter } = await import('../../../src/core/models/progress-events');
    const updates: Array<{ message?: string; increment?: number }> = [];
    const report = progressReporter({ report: (u) => updates.push(u) });
    const node = { uniqueId: 'model.p.a', name: 'a', resourceType: 'model' as const };
    report({ kind: 'started', node, index: 0, total: 4 });
    report({ kind: 'succeeded', node, index: 0, total: 4, seconds: 1, status: 'success', message: 'OK' });
    report({ kind: 'skipped', node, index: 1, total: 4, reason: 'upstream' });
    report({ kind: 'started', node, index: 3, total: 4 });
    report({ kind: 'log', message: 'x' });
    // The last node shows as 4/4, never 5/4.
    expect(updates).toEqual([{ message: '1/4 a' }, { increment: 25 }, { increment: 25 }, { message: '4/4 a' }]);
  });
});
