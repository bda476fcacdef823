import { afterEach, describe, expect, it } from 'vitest';
import { buildProject } from '../../../src/core/models';
import { makeProject, queryCatalog, withSession, writeLake, type Workspace } from './helpers';

/**
 * A node that runs whatever it reads (no memo yet) has its SQL parsed only after the run's nodes are
 * done, for the memo. What it read must still be recorded as it was when it ran, and a memo whose
 * inputs can no longer be known that way must never let the node be skipped.
 */
let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

async function build(w: Workspace, vars: Record<string, unknown> = {}) {
  const summary = await withSession((session) => buildProject({ projectDir: w.projectDir, session, env: w.env, vars }));
  expect(summary.success, JSON.stringify(summary.results.map((r) => [r.name, r.status, r.message]))).toBe(true);
  const outcome: Record<string, string> = {};
  for (const r of summary.results) outcome[r.name] = r.unchanged ? 'unchanged' : r.status;
  return outcome;
}

const RAW = [
  'CREATE SCHEMA lake.raw',
  'CREATE TABLE lake.raw.orders AS SELECT range AS id, range * 10 AS amount FROM range(5)',
].join(';\n');

describe('inputs read after the run', () => {
  it('records the states a node read, not the ones a later node left', async () => {
    ws = makeProject({
      'models/totals.sql':
        "{{ config(materialized='table') }}\nselect count(*) as n, sum(amount) as total from lake.raw.orders",
      // Runs after totals and adds a row to the table totals read (a post-hook: it always runs).
      'models/feed.sql': [
        '{{ config(materialized=\'table\', post_hook="INSERT INTO lake.raw.orders VALUES (99, 990)") }}',
        "-- depends_on: {{ ref('totals') }}",
        'select 1 as x',
      ].join('\n'),
    });
    await writeLake(ws, RAW);
    expect(await build(ws)).toEqual({ totals: 'success', feed: 'success' });
    expect(await queryCatalog(ws, 'SELECT n FROM lake.main.totals')).toEqual([{ n: 5n }]);
    // totals read orders before the insert: its memo holds that state, so the next run sees the new row.
    expect(await build(ws)).toEqual({ totals: 'success', feed: 'success' });
    expect(await queryCatalog(ws, 'SELECT n FROM lake.main.totals')).toEqual([{ n: 6n }]);
  });

  it('a node whose inputs could not be read as they were runs next time, then is skipped', async () => {
    ws = makeProject({
      'models/totals.sql': "{{ config(materialized='table') }}\nselect sum(amount) as total from lake.raw.orders",
      // Defines a macro after totals ran: how totals' names and functions resolve may have changed since.
      'models/later.sql': [
        '{{ config(materialized=\'table\', post_hook="CREATE OR REPLACE TEMP MACRO doubled(x) AS x * 2") }}',
        "-- depends_on: {{ ref('totals') }}",
        'select 1 as x',
      ].join('\n'),
    });
    await writeLake(ws, RAW);
    expect((await build(ws)).totals).toBe('success');
    // Its memo matches no inputs, so it runs (parsed before it runs this time)…
    expect((await build(ws)).totals).toBe('success');
    // …and that memo is whole: nothing changed, so it is skipped.
    expect((await build(ws)).totals).toBe('unchanged');
    await writeLake(ws, 'INSERT INTO lake.raw.orders VALUES (7, 70)');
    expect((await build(ws)).totals).toBe('success');
    expect(await queryCatalog(ws, 'SELECT total FROM lake.main.totals')).toEqual([{ total: 170n }]);
  });

  it('a node that reads the clock keeps no memo and always runs', async () => {
    ws = makeProject({
      'models/stamped.sql':
        "{{ config(materialized='table') }}\nselect count(*) as n, now() as at from lake.raw.orders",
      'models/plain.sql': "{{ config(materialized='table') }}\nselect count(*) as n from lake.raw.orders",
    });
    await writeLake(ws, RAW);
    expect(await build(ws)).toEqual({ stamped: 'success', plain: 'success' });
    expect(await build(ws)).toEqual({ stamped: 'success', plain: 'unchanged' });
  });
});
