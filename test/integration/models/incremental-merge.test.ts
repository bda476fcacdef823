import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runModels } from '../../../src/core/models';
import { fingerprintCatalog, makeProject, makeWorkspace, queryCatalog, withSession, type Workspace } from './helpers';
import { dbt, requireDbt } from './peers';

/**
 * dbt-duckdb's merge strategy with merge_clauses, incremental_predicates on
 * merge and delete+insert, and the on_schema_change modes: the built-in runner
 * and real dbt-duckdb each run the fixture over the same three batches and
 * must leave identical tables after every run.
 */
const FIXTURE = resolve(import.meta.dirname, '../../fixtures/incremental-merge');

function workspace(label: string): Workspace {
  return makeWorkspace('incremental-merge', label, {
    source: FIXTURE,
    landingEnv: 'ORDERS_LANDING',
    skip: /[\\/](batches|target|logs)$/,
  });
}

function land(ws: Workspace, batch: number) {
  cpSync(join(FIXTURE, 'batches', String(batch)), ws.landingPath, { recursive: true });
}

async function runBuiltin(ws: Workspace) {
  const summary = await withSession((session) => runModels({ projectDir: ws.projectDir, session, env: ws.env }));
  expect(
    summary.success,
    JSON.stringify(summary.results.filter((r) => r.status !== 'success').map((r) => [r.name, r.message])),
  ).toBe(true);
}

describe('incremental merge_clauses, incremental_predicates and on_schema_change vs dbt-duckdb', () => {
  let mine: Workspace;
  let peer: Workspace;
  beforeAll(() => {
    requireDbt();
    mine = workspace('merge-builtin');
    peer = workspace('merge-dbt');
  });
  afterAll(() => {
    mine?.cleanup();
    peer?.cleanup();
  });

  for (const batch of [1, 2, 3]) {
    it(`gives identical tables after run ${batch}`, async () => {
      land(mine, batch);
      land(peer, batch);
      await runBuiltin(mine);
      await dbt(peer.projectDir, ['run'], peer.env);
      const [a, b] = [
        await fingerprintCatalog(mine.catalogPath, mine.dataPath),
        await fingerprintCatalog(peer.catalogPath, peer.dataPath),
      ];
      expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
      expect(a.size).toBe(7);
      for (const [name, fingerprint] of b) expect(a.get(name), name).toEqual(fingerprint);
    });
  }

  it('ends where dbt-duckdb ends, for reasons the configs explain', async () => {
    // merge_clauses: 1 updated twice through the set expression; 2 kept on run 2 (an older row), updated on run 3;
    // 3 never matches (the predicate excludes its frozen region) so its newer row lands beside it;
    // 7 (negative) and 8 (cancelled) are never inserted.
    const clauses = await queryCatalog<{ id: bigint; amount: bigint; status: string }>(
      mine,
      'SELECT id, amount, status FROM lake.main.orders_clauses ORDER BY id, amount',
    );
    expect(clauses.map((r) => [Number(r.id), Number(r.amount), r.status])).toEqual([
      [1, 120, 'changed:cancelled'],
      [2, 250, 'changed:moved'],
      [3, 300, 'open'],
      [3, 330, 'paid'],
      [4, 1400, 'changed:cancelled'],
      [5, 50, 'changed:paid'],
      [6, 66, 'changed:cancelled'],
      [9, 900, 'open'],
    ]);
    // on_schema_change: append keeps b and gains c; sync drops b and retypes c to DOUBLE.
    const columns = await queryCatalog<{ table_name: string; c: string }>(
      mine,
      `SELECT table_name, string_agg(column_name || ' ' || data_type, ', ' ORDER BY ordinal_position) AS c FROM information_schema.columns WHERE table_catalog = 'lake' AND table_name LIKE 'wide%' GROUP BY 1 ORDER BY 1`,
    );
    expect(columns).toEqual([
      { table_name: 'wide_append', c: 'id BIGINT, a VARCHAR, b BIGINT, c BIGINT' },
      { table_name: 'wide_ignore', c: 'id BIGINT, a VARCHAR' },
      { table_name: 'wide_sync', c: 'id BIGINT, a VARCHAR, c DOUBLE' },
    ]);
  });
});

describe("on_schema_change='fail' vs dbt-duckdb", () => {
  let ws: Workspace | undefined;
  afterAll(() => ws?.cleanup());

  it('stops the second run when a column appears, as dbt does, and leaves the table as it was', async () => {
    requireDbt();
    ws = makeProject({
      // dbt needs the extension directory the runner's session uses (no downloads here).
      'profiles.yml': readFileSync(join(FIXTURE, 'profiles.yml'), 'utf8').replace(/^incremental_merge:/m, 'lab:'),
      'models/strict.sql': [
        "{{ config(materialized='incremental', on_schema_change='fail') }}",
        "select 1 as id{% if var('wider', false) %}, 'new' as extra{% endif %}",
      ].join('\n'),
    });
    const run = (vars: Record<string, unknown>) =>
      withSession((session) => runModels({ projectDir: ws!.projectDir, session, env: ws!.env, vars }));
    expect((await run({})).success).toBe(true);
    const second = await run({ wider: true });
    expect(second.success).toBe(false);
    expect(second.results[0]!.message).toContain(
      'The source and target schemas on this incremental model are out of sync!',
    );
    expect(second.results[0]!.message).toContain("Source columns not in target: ['extra']");
    expect(await queryCatalog(ws, 'SELECT count(*) AS n FROM lake.main.strict')).toEqual([{ n: 1n }]);

    // dbt on its own copy: the same first run passes, the second fails with the same reason.
    rmSync(ws.catalogPath, { force: true });
    await dbt(ws.projectDir, ['run'], ws.env);
    const failure = await dbt(ws.projectDir, ['run', '--vars', '{wider: true}'], ws.env).catch((e: Error) => e);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toContain('out of sync');
  });
});
