import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LazyDuckDBSession } from '../../../src/core/lake/lazySession';
import { buildProject, ModelCompileError, type RunSummary } from '../../../src/core/models';
import { addProfileSettings, fingerprintCatalog, makeProject, openSession, type Workspace } from './helpers';

/**
 * DuckDB starts (native load, extensions, ATTACH) while the manifest is parsed when the run will surely
 * send SQL, instead of after the parse. What is observed here is order, never time: the session's
 * opener and the parse of a model each write to one log — the model reads an env var through a Proxy.
 */
const MARK = 'LH_TEST_PARSED_MARK';
const FILES = {
  'models/first.sql': `{{ config(materialized='table') }}\nselect '{{ env_var('${MARK}', 'x') }}' as v, 1 as n`,
  'models/second.sql': "{{ config(materialized='table') }}\nselect n + 1 as n from {{ ref('first') }}",
};

let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

interface Observed {
  summary?: RunSummary;
  error?: unknown;
  /**
   * In order, repeats collapsed: 'open' (the session's opener was called) and 'first' (the model's
   * env_var was read: when the manifest is parsed, and again when the node is compiled to run).
   */
  log: string[];
}

async function build(w: Workspace, extra: { fullRefresh?: boolean } = {}): Promise<Observed> {
  const log: string[] = [];
  const env = new Proxy(w.env, {
    get(target, name) {
      if (name === MARK && log.at(-1) !== 'first') log.push('first');
      return target[name as string];
    },
  });
  const session = new LazyDuckDBSession(() => {
    if (log.at(-1) !== 'open') log.push('open');
    return openSession();
  });
  try {
    return { summary: await buildProject({ projectDir: w.projectDir, session, env, ...extra }), log };
  } catch (error) {
    return { error, log };
  } finally {
    // Closing right after a failed parse must wait for the start in flight, not close DuckDB under it.
    await session.close();
  }
}

describe('DuckDB started while the project is parsed', () => {
  it('starts before the models are parsed when every node will run, and not at all on a no-op', async () => {
    ws = makeProject(FILES, 'early');
    const first = await build(ws);
    expect(first.summary?.success).toBe(true);
    // No memo yet: nothing can be skipped, so DuckDB was asked for before the first model was parsed.
    expect(first.log).toEqual(['open', 'first']);

    // Nothing changed and no hooks: the skip check reads the catalog file; DuckDB is never asked for.
    const noop = await build(ws);
    expect(noop.summary?.results.map((r) => r.unchanged)).toEqual([true, true]);
    expect(noop.log).toEqual(['first']);

    // --full-refresh runs everything: the early start again.
    const full = await build(ws, { fullRefresh: true });
    expect(full.summary?.results.map((r) => r.status)).toEqual(['success', 'success']);
    expect(full.log).toEqual(['open', 'first']);
    expect((await fingerprintCatalog(ws.catalogPath, ws.dataPath)).get('main.second')?.rows).toBe(1);
  });

  it('project hooks always run, so a run with a memo starts DuckDB early too', async () => {
    ws = makeProject(
      {
        ...FILES,
        'dbt_project.yml': 'name: lab\nprofile: lab\nconfig-version: 2\non-run-start: ["select 1"]\n',
      },
      'early-hooks',
    );
    expect((await build(ws)).summary?.success).toBe(true);
    const again = await build(ws);
    expect(again.summary?.results.map((r) => r.unchanged)).toEqual([true, true]);
    expect(again.log).toEqual(['open', 'first']);
  });

  it('a session that holds more than lake catalogs in SQLite files starts DuckDB early on every run', async () => {
    ws = makeProject(FILES, 'early-main-file');
    // A main database file may hold tables only DuckDB can read: no skip check is made from the catalog file.
    const profile = join(ws.projectDir, 'profiles.yml');
    const main = join(ws.root, 'warehouse.duckdb');
    writeFileSync(profile, readFileSync(profile, 'utf8').replace("path: ':memory:'", `path: '${main}'`));
    expect((await build(ws)).summary?.success).toBe(true);
    const again = await build(ws);
    expect(again.summary?.results.map((r) => r.unchanged)).toEqual([true, true]);
    expect(again.log).toEqual(['open', 'first']);
  });

  it('a model that always runs (a view) opens DuckDB after the parse, before any node is checked', async () => {
    ws = makeProject(
      { ...FILES, 'models/third.sql': "{{ config(materialized='view') }}\nselect * from {{ ref('second') }}" },
      'early-view',
    );
    expect((await build(ws)).summary?.success).toBe(true);
    const again = await build(ws);
    expect(again.summary?.results.map((r) => [r.name, r.unchanged ?? false])).toEqual([
      ['first', true],
      ['second', true],
      ['third', false],
    ]);
    // Opened between the parse and the first node's skip check (which compiles it), not at the view.
    expect(again.log).toEqual(['first', 'open', 'first']);
  });

  it('a parse error while DuckDB is starting is the error reported, and the session closes cleanly', async () => {
    ws = makeProject({ ...FILES, 'models/broken.sql': 'select {{ 1 + }}' }, 'early-broken');
    const broken = await build(ws);
    expect(broken.log[0]).toBe('open');
    expect(broken.error).toBeInstanceOf(ModelCompileError);
    expect(String((broken.error as Error).message)).toMatch(/broken\.sql/);

    // Fixed, the same process builds it: nothing was left half open.
    writeFileSync(join(ws.projectDir, 'models/broken.sql'), 'select 2 as n');
    const fixed = await build(ws);
    expect(fixed.summary?.results.map((r) => [r.name, r.status])).toEqual([
      ['broken', 'success'],
      ['first', 'success'],
      ['second', 'success'],
    ]);
  });

  it('a set-up that fails during the early start stops the run with its own message, once', async () => {
    ws = makeProject(FILES, 'early-setup');
    addProfileSettings(ws, ['no_such_setting: 1']);
    const failed = await build(ws);
    expect(failed.log[0]).toBe('open');
    const message = String((failed.error as Error).message);
    expect(message).toMatch(/profiles\.yml:1: Setting up the connection failed on `SET no_such_setting = 1`/);
    expect(message.split('Setting up the connection failed')).toHaveLength(2);
    expect(failed.summary).toBeUndefined();
  });
});
