import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runModels, testModels } from '../../../src/core/models';
import { fingerprintCatalog, makeWorkspace, queryCatalog, withSession, type Workspace } from './helpers';
import { dbt, requireDbt } from './peers';

/**
 * A project using an installed package (laid out as `dbt deps` leaves it in
 * dbt_packages/) and a local one: package macros called through their
 * namespace with keyword arguments, adapter.dispatch with a macro_namespace
 * and the project's `dispatch:` search order, duckdb__ before default__, a
 * package model reached by a two-argument ref, and package generic tests.
 * The built-in runner and dbt-duckdb must build identical tables and judge
 * the tests the same way.
 */
const FIXTURE = resolve(import.meta.dirname, '../../fixtures/packages');

function workspace(label: string): Workspace {
  const ws = makeWorkspace('packages', label, { source: join(FIXTURE, 'project') });
  cpSync(join(FIXTURE, 'local_helpers'), join(ws.root, 'local_helpers'), { recursive: true });
  mkdirSync(join(ws.projectDir, 'dbt_packages'));
  cpSync(join(FIXTURE, 'installed', 'stats_kit'), join(ws.projectDir, 'dbt_packages', 'stats_kit'), {
    recursive: true,
  });
  // `dbt deps` links a local package into dbt_packages/.
  symlinkSync(join(ws.root, 'local_helpers'), join(ws.projectDir, 'dbt_packages', 'local_helpers'), 'dir');
  return ws;
}

describe('dbt packages: built-in runner vs dbt-duckdb', () => {
  let mine: Workspace;
  let peer: Workspace;
  beforeAll(() => {
    requireDbt();
    mine = workspace('pkg-builtin');
    peer = workspace('pkg-dbt');
  });
  afterAll(() => {
    mine?.cleanup();
    peer?.cleanup();
  });

  it('builds identical tables, including the package model', async () => {
    const summary = await withSession((session) => runModels({ projectDir: mine.projectDir, session, env: mine.env }));
    expect(
      summary.success,
      JSON.stringify(summary.results.filter((r) => r.status !== 'success').map((r) => [r.name, r.message])),
    ).toBe(true);
    await dbt(peer.projectDir, ['run'], peer.env);
    const [a, b] = [
      await fingerprintCatalog(mine.catalogPath, mine.dataPath),
      await fingerprintCatalog(peer.catalogPath, peer.dataPath),
    ];
    expect([...a.keys()].sort()).toEqual([...b.keys()].sort());
    expect([...a.keys()].sort()).toEqual([
      'main.order_stats',
      'main.orders',
      'main.status_pivot',
      'main_kit.kit_numbers',
    ]);
    expect(a.get('main_kit.kit_numbers')!.type).toBe('VIEW');
    for (const [name, fingerprint] of b) expect(a.get(name), name).toEqual(fingerprint);
    // Why they agree: the project's default__label_case wins by the dispatch search order (upper), the
    // package's duckdb__safe_ratio wins over default__ (no division by zero), the package model is a view.
    // region_code's regex keeps its backslashes ('^(\w)\w*$'), as Jinja2 reads string literals.
    const rows = await queryCatalog<{
      region_label: string;
      region_code: string;
      per_item: number;
      per_item_rounded: number;
      size_label: string;
    }>(
      mine,
      'SELECT region_label, region_code, per_item, per_item_rounded, size_label FROM lake.main.order_stats WHERE order_id = 2',
    );
    expect(rows).toEqual([
      { region_label: 'SOUTH', region_code: 'S', per_item: 0, per_item_rounded: -1, size_label: 'small' },
    ]);
  });

  it('runs the package generic tests with the same names and results', async () => {
    const mineTests = await withSession((session) =>
      testModels({ projectDir: mine.projectDir, session, env: mine.env }),
    );
    await dbt(peer.projectDir, ['test'], peer.env);
    const peerResults = JSON.parse(readFileSync(join(peer.projectDir, 'target', 'run_results.json'), 'utf8')) as {
      results: Array<{ unique_id: string; status: string; failures: number }>;
    };
    const peerByName = Object.fromEntries(
      peerResults.results.map((r) => [r.unique_id.split('.')[2], [r.status, r.failures]]),
    );
    const mineByName = Object.fromEntries(mineTests.results.map((r) => [r.name, [r.status, r.failures]]));
    expect(mineByName).toEqual(peerByName);
    expect(
      Object.values(mineByName)
        .map(([status]) => status)
        .sort(),
    ).toEqual(['pass', 'pass', 'pass', 'warn', 'warn']);
  });
});
