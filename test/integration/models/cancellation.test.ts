import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError } from '../../../src/core/errors';
import { runModels, type RunEvent } from '../../../src/core/models';
import { makeProject, queryCatalog, withSession, type Workspace } from './helpers';

let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

describe('cancellation', () => {
  it('interrupts the running model and leaves the catalog readable at its previous state', async () => {
    ws = makeProject({
      'models/first.sql':
        "{{ config(materialized='table') }}\nselect range as id, '{{ var(\"v\") }}' as v from range(5)",
      // Slow only when asked: a cross join big enough to outlast the abort.
      'models/slow.sql': [
        "{{ config(materialized='table') }}",
        "{% if var('slow', false) %}",
        'select count(*) as n, max(a.range + b.range) as m from range(200000000) a, range(10) b',
        '{% else %}',
        "select count(*) as n, 0 as m from {{ ref('first') }}",
        '{% endif %}',
        "-- depends_on: {{ ref('first') }}",
      ].join('\n'),
    });
    await withSession((session) =>
      runModels({ projectDir: ws!.projectDir, session, env: ws!.env, vars: { v: 'before' } }),
    );

    const controller = new AbortController();
    const events: RunEvent[] = [];
    const started = Date.now();
    const outcome = await withSession((session) =>
      runModels({
        projectDir: ws!.projectDir,
        session,
        env: ws!.env,
        vars: { v: 'during', slow: true },
        signal: controller.signal,
        onEvent: (e) => {
          events.push(e);
          if (e.kind === 'started' && e.node.name === 'slow') setTimeout(() => controller.abort(), 300);
        },
      }),
    ).catch((e: unknown) => e);
    expect(outcome).toBeInstanceOf(CancelledError);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(events.filter((e) => e.kind === 'succeeded').map((e) => e.node.name)).toEqual(['first']);

    // The first model committed; the interrupted one kept its previous snapshot.
    expect(await queryCatalog(ws, 'SELECT DISTINCT v FROM lake.main.first')).toEqual([{ v: 'during' }]);
    expect(await queryCatalog(ws, 'SELECT n, m FROM lake.main.slow')).toEqual([{ n: 5n, m: 0 }]);

    const again = await withSession((session) =>
      runModels({ projectDir: ws!.projectDir, session, env: ws!.env, vars: { v: 'after' } }),
    );
    expect(again.success).toBe(true);
    expect(await queryCatalog(ws, 'SELECT DISTINCT v FROM lake.main.first')).toEqual([{ v: 'after' }]);
  });
});
