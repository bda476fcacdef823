import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildProject, runModels, seedProject, testModels } from '../../../src/core/models';
import type { RunSummary } from '../../../src/core/models/types';
import { ProjectConfigError, locationOf } from '../../../src/core/models/errors';
import { makeProject, makeWorkspace, withSession, type Workspace } from './helpers';
import { dbt, requireDbt } from './peers';

/**
 * dbt unit tests (unit_tests:) in the built-in runner against real dbt-duckdb on one
 * fixture: dict, csv and sql fixtures for ref(), source() and seed inputs, column subsets,
 * overrides of vars, env_vars and is_incremental with a `this` input, passing, failing and
 * broken definitions. Every unit test must end with dbt's status and failure count.
 */
const FIXTURE = resolve(import.meta.dirname, '../../fixtures/unit-tests');

type Outcome = [status: string, failures: number | null];

function workspace(label: string): Workspace {
  return makeWorkspace('unit-tests', label, { source: FIXTURE });
}

/** dbt's run_results.json after a command, by unique id (dbt exits 1 when a test fails). */
async function dbtOutcomes(ws: Workspace, args: string[]): Promise<Record<string, Outcome>> {
  await dbt(ws.projectDir, args, ws.env).catch((error: Error) => {
    if (!/Completed with \d+ errors?/.test(error.message)) throw error;
  });
  const results = JSON.parse(readFileSync(join(ws.projectDir, 'target', 'run_results.json'), 'utf8')) as {
    results: Array<{ unique_id: string; status: string; failures: number | null }>;
  };
  // Hooks are operations in dbt's results; the runner reports nodes only.
  return Object.fromEntries(
    results.results
      .filter((r) => !r.unique_id.startsWith('operation.'))
      .map((r) => [r.unique_id, [r.status, r.failures] as Outcome]),
  );
}

function outcomes(summary: RunSummary): Record<string, Outcome> {
  return Object.fromEntries(
    summary.results.map((r) => [
      r.uniqueId,
      [r.status, r.resourceType === 'unit_test' || r.resourceType === 'test' ? (r.failures ?? null) : null] as Outcome,
    ]),
  );
}

function expectSuccess(summary: RunSummary) {
  const failed = summary.results.filter((r) => r.status !== 'success').map((r) => [r.name, r.message]);
  expect(summary.success, JSON.stringify(failed)).toBe(true);
}

function unitTestsOnly(all: Record<string, Outcome>): Record<string, Outcome> {
  return Object.fromEntries(Object.entries(all).filter(([id]) => id.startsWith('unit_test.')));
}

function tally(all: Record<string, Outcome>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const [status] of Object.values(all)) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

describe('dbt unit tests vs dbt-duckdb', () => {
  let mine: Workspace;
  let peer: Workspace;
  beforeAll(() => {
    requireDbt();
    mine = workspace('unit-builtin');
    peer = workspace('unit-dbt');
  });
  afterAll(() => {
    mine?.cleanup();
    peer?.cleanup();
  });

  it('test: every unit test passes, fails or errors as in dbt, with the same failure count', async () => {
    const summary = await withSession(async (session) => {
      const options = { projectDir: mine.projectDir, session, env: mine.env };
      expectSuccess(await seedProject(options));
      expectSuccess(await runModels(options));
      return testModels(options);
    });
    await dbt(peer.projectDir, ['seed'], peer.env);
    await dbt(peer.projectDir, ['run'], peer.env);
    const theirs = await dbtOutcomes(peer, ['test']);
    const ours = outcomes(summary);
    expect(unitTestsOnly(ours)).toEqual(unitTestsOnly(theirs));
    // The fixture's spread, so a runner that passed (or failed) everything could not match.
    expect(tally(unitTestsOnly(ours))).toEqual({ pass: 9, fail: 6, error: 2 });
    expect(summary.success).toBe(false);

    const missingRow = summary.results.find((r) => r.name === 'totals_missing_row_fails')!;
    expect(missingRow.message).toContain('actual differs from expected');
    expect(missingRow.message).toMatch(/\+\+\+ \| 8 +\| 1 +\| 2(\.00?)?/);
    // The editor puts a failing unit test's diff on its YAML entry.
    const yaml = join(mine.projectDir, 'models', 'unit_tests.yml');
    const line = readFileSync(yaml, 'utf8').split('\n').indexOf('  - name: totals_missing_row_fails') + 1;
    expect(line).toBeGreaterThan(1);
    expect(locationOf(missingRow.error)).toEqual({ file: yaml, line });
    const badColumn = summary.results.find((r) => r.name === 'totals_bad_column_errors')!;
    expect(badColumn.message).toContain("Invalid column name: 'nope' in unit test fixture for 'raw_orders'");
    expect(badColumn.message).toContain('unit_tests.yml:');
    const missingInput = summary.results.find((r) => r.name === 'enriched_missing_input_errors')!;
    expect(missingInput.message).toContain("depends on a source named 'shop.payments' which was not found");
  });

  it('build: unit tests before their model; a failing one skips the model and its children, as in dbt', async () => {
    const fresh = workspace('unit-build-builtin');
    const freshPeer = workspace('unit-build-dbt');
    try {
      const summary = await withSession((session) =>
        buildProject({ projectDir: fresh.projectDir, session, env: fresh.env }),
      );
      const ours = outcomes(summary);
      const messages = Object.fromEntries(summary.results.map((r) => [r.uniqueId, r.message]));
      const theirs = await dbtOutcomes(freshPeer, ['build']);
      expect(Object.keys(ours).sort()).toEqual(Object.keys(theirs).sort());
      // Models and seeds: built or skipped exactly as dbt did.
      for (const id of Object.keys(theirs).filter((i) => !i.startsWith('unit_test.'))) {
        expect(ours[id]![0], id).toBe(theirs[id]![0]);
      }
      expect(ours['model.unit_lab.raw_orders']![0]).toBe('success');
      expect(ours['model.unit_lab.customer_totals']![0]).toBe('skipped');
      expect(ours['model.unit_lab.orders_enriched']![0]).toBe('skipped');
      // dbt runs a model's unit tests in set order and skips the rest after the first failure,
      // so which siblings are skipped differs from run to run; any test both ran agrees.
      for (const id of Object.keys(unitTestsOnly(theirs))) {
        const [a, b] = [ours[id]!, theirs[id]!];
        if (a[0] !== 'skipped' && b[0] !== 'skipped') expect(a, `${id}: ${messages[id]}`).toEqual(b);
      }
      // The incremental model does not exist yet, so its `this` input cannot be typed: an error in both.
      expect(ours['unit_test.unit_lab.orders_incremental.incremental_new_rows_pass']![0]).toMatch(/error|skipped/);
      const ran = summary.results.findIndex((r) => r.name === 'customer_totals');
      const firstUnit = summary.results.findIndex((r) => r.uniqueId.startsWith('unit_test.unit_lab.customer_totals.'));
      expect(firstUnit).toBeLessThan(ran);
    } finally {
      fresh.cleanup();
      freshPeer.cleanup();
    }
  });

  it('test --select a model runs only its unit tests', async () => {
    const summary = await withSession((session) =>
      testModels({ projectDir: mine.projectDir, session, env: mine.env, select: ['customer_totals'] }),
    );
    expect(summary.results.map((r) => r.name).sort()).toEqual([
      'totals_bad_column_errors',
      'totals_csv_passes',
      'totals_duplicate_expected_fails',
      'totals_empty_passes',
      'totals_expect_all_columns',
      'totals_fixture_files_pass',
      'totals_missing_row_fails',
      'totals_sql_passes',
    ]);
  });
});

describe("unit test definitions dbt's parser rejects", () => {
  const INCREMENTAL =
    "{{ config(materialized='incremental') }}\nselect 1 as id {% if is_incremental() %}where 1 = 1{% endif %}";
  const cases: Array<{ name: string; model: string; yaml: string; line: number; message: string }> = [
    {
      name: 'an incremental model without an is_incremental override',
      model: INCREMENTAL,
      yaml: 'unit_tests:\n  - name: t\n    model: m\n    given: []\n    expect:\n      rows: [{id: 1}]\n',
      line: 2,
      message: "Boolean override for 'is_incremental' must be provided for unit test 't' in model 'm'",
    },
    {
      name: 'is_incremental true without a this input',
      model: INCREMENTAL,
      yaml: 'unit_tests:\n  - name: t\n    model: m\n    overrides:\n      macros: {is_incremental: true}\n    given: []\n    expect:\n      rows: [{id: 1}]\n',
      line: 2,
      message: "Unit test 't' for incremental model 'm' must have a 'this' input",
    },
    {
      name: 'a model that does not exist',
      model: 'select 1 as id',
      yaml: 'unit_tests:\n  - name: t\n    model: nope\n    given: []\n    expect:\n      rows: [{id: 1}]\n',
      line: 2,
      message: "Unable to find model 'lab.nope' for unit test 't'",
    },
    {
      name: 'a fixture file that does not exist',
      model: 'select 1 as id',
      yaml: 'unit_tests:\n  - name: t\n    model: m\n    given: []\n    expect:\n      format: csv\n      fixture: nowhere\n',
      line: 7,
      message: "File not found for fixture 'nowhere' in unit tests",
    },
    {
      name: 'an input that is not in the project',
      model: 'select 1 as id',
      yaml: "unit_tests:\n  - name: t\n    model: m\n    given:\n      - input: ref('ghost')\n        rows: []\n    expect:\n      rows: [{id: 1}]\n",
      line: 2,
      message: "Unit test 't' had an input (ref('ghost')) which was not found in the manifest.",
    },
  ];
  for (const c of cases) {
    it(`refuses ${c.name} at the unit test's line`, async () => {
      const ws = makeProject({ 'models/m.sql': c.model, 'models/unit.yml': c.yaml });
      try {
        const error = await withSession((session) =>
          testModels({ projectDir: ws.projectDir, session, env: ws.env }),
        ).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ProjectConfigError);
        expect((error as ProjectConfigError).location).toEqual({
          file: join(ws.projectDir, 'models/unit.yml'),
          line: c.line,
        });
        expect((error as Error).message).toContain(c.message);
      } finally {
        ws.cleanup();
      }
    });
  }
});
