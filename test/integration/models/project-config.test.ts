import { afterEach, describe, expect, it } from 'vitest';
import { ModelCompileError, runModels, type RunEvent } from '../../../src/core/models';
import { makeProject, queryCatalog, STANDARD_PROFILE, withSession, type Workspace } from './helpers';

let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

function run(w: Workspace, onEvent?: (e: RunEvent) => void) {
  return withSession((session) =>
    runModels({ projectDir: w.projectDir, session, env: w.env, ...(onEvent ? { onEvent } : {}) }),
  );
}

describe('dbt_project.yml, profiles.yml and names as dbt reads them', () => {
  it('renders dbt_project.yml with the target, so +enabled can depend on it', async () => {
    ws = makeProject({
      'dbt_project.yml': [
        'name: lab',
        'profile: lab',
        'config-version: 2',
        'models:',
        '  lab:',
        `    +enabled: "{{ target.type == 'duckdb' }}"`,
        '    prod_only:',
        `      +enabled: "{{ target.name == 'prod' }}"`,
      ].join('\n'),
      'models/kept.sql': 'select 1 as id',
      'models/prod_only/skipped.sql': 'select 2 as id',
    });
    const summary = await run(ws);
    expect(summary.results.map((r) => [r.name, r.status])).toEqual([['kept', 'success']]);
    expect(await queryCatalog(ws, 'SELECT id FROM lake.main.kept')).toEqual([{ id: 1 }]);
  });

  it('renders only the selected profile target: an unset env var of another target does not stop the run', async () => {
    ws = makeProject({
      'profiles.yml': `${STANDARD_PROFILE}    prod:\n      type: duckdb\n      path: "{{ env_var('LH_TEST_PROD_PATH_NEVER_SET') }}"\n`,
      'models/m.sql': 'select 1 as id',
    });
    delete ws.env.LH_TEST_PROD_PATH_NEVER_SET;
    const summary = await run(ws);
    expect(summary.results.map((r) => [r.name, r.status])).toEqual([['m', 'success']]);
  });

  it('lets a disabled model share its name with an enabled one, and refuses two enabled ones', async () => {
    ws = makeProject({
      'models/current/orders.sql': 'select 1 as version',
      'models/legacy/orders.sql': '{{ config(enabled=false) }}\nselect 0 as version',
      'models/uses.sql': "select version from {{ ref('orders') }}",
    });
    const summary = await run(ws);
    expect(summary.results.map((r) => [r.name, r.status]).sort()).toEqual([
      ['orders', 'success'],
      ['uses', 'success'],
    ]);
    expect(await queryCatalog(ws, 'SELECT version FROM lake.main.uses')).toEqual([{ version: 1 }]);
    ws.cleanup();

    ws = makeProject({
      'models/current/orders.sql': 'select 1 as version',
      'models/legacy/orders.sql': 'select 0 as version',
    });
    const error = await run(ws).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCompileError);
    expect((error as Error).message).toContain("Two enabled models are named 'orders'");
  });

  it('counts progress from 1 to the total, never past it', async () => {
    ws = makeProject({
      'models/a.sql': 'select 1 as id',
      'models/b.sql': "select * from {{ ref('a') }}",
      'models/c.sql': "select * from {{ ref('b') }}",
    });
    const events: RunEvent[] = [];
    await run(ws, (e) => events.push(e));
    const shown = events.flatMap((e) => (e.kind === 'started' ? [`${e.index + 1}/${e.total}`] : []));
    expect(shown).toEqual(['1/3', '2/3', '3/3']);
    for (const e of events) if (e.kind !== 'log') expect(e.index).toBeLessThan(e.total);
  });
});
