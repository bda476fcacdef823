import { beforeAll, describe, expect, it } from 'vitest';
import {
  callableMacroFiles,
  COMMON_CONTEXT,
  dbtMacroFiles,
  loadLibrary,
  loadMacroCalls,
  parseWithJinja2,
  parseWithRunner,
  renderTopLevelWithRunner,
  renderWithLibrary,
  runJinja2,
  type DbtMacroFile,
  type Outcome,
  type ParseOutcome,
} from './jinja-corpus/harness';
import { CROSS_DB_MACROS } from '../../../src/core/models/jinja/cross-db';
import { withSession } from './helpers';
import { requireDbt } from './peers';

/**
 * The differential Jinja corpus, part (a): every macro file dbt-core's global
 * project and dbt-duckdb ship, read from the wheels in the peers venv at test
 * time. Each file parses to the same macros as in dbt, or is refused with the
 * construct named at its line (materializations); its top level renders to
 * the same text; and the macros that are pure given simple arguments return
 * the same SQL when called.
 */
let files: DbtMacroFile[] = [];
let parsed: Map<string, ParseOutcome>;
let topLevel: Map<string, Outcome>;
let calls: string[] = [];
let called: Outcome[] = [];
let callable: DbtMacroFile[] = [];

beforeAll(async () => {
  requireDbt();
  files = await dbtMacroFiles();
  parsed = await parseWithJinja2(files);
  const rendered = await runJinja2<Array<{ id: string } & Outcome>>({
    cases: files.map((f) => ({ id: f.id, template: f.raw })),
    context: COMMON_CONTEXT,
  });
  topLevel = new Map(rendered.map(({ id, ...outcome }) => [id, outcome as Outcome]));
  callable = callableMacroFiles(files);
  calls = loadMacroCalls();
  const results = await runJinja2<Array<{ id: string } & Outcome>>({
    cases: calls.map((call, i) => ({ id: String(i), template: `{{ ${call} }}`, macros: callable.map((f) => f.raw) })),
    context: COMMON_CONTEXT,
  });
  called = results.map(({ id: _id, ...outcome }) => outcome as Outcome);
}, 300_000);

/** The line of the first `{% materialization` tag: where the runner must point. */
function materializationLine(raw: string): number | undefined {
  const match = /\{%-?\s*materialization\s/.exec(raw);
  return match ? raw.slice(0, match.index).split('\n').length : undefined;
}

describe("Jinja corpus: dbt-core's and dbt-duckdb's own macro files", () => {
  it('reads the shipped macro files from the installed wheels', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.some((f) => f.id.startsWith('global_project/'))).toBe(true);
    expect(files.some((f) => f.id.startsWith('duckdb/'))).toBe(true);
  });

  it('parses every file to the same macros as dbt, or refuses its materialization at its line', () => {
    let identical = 0;
    let refused = 0;
    for (const file of files) {
      const theirs = parsed.get(file.id);
      expect(theirs, file.id).toHaveProperty('macros');
      const mine = parseWithRunner(file);
      if ('error' in mine) {
        const line = materializationLine(file.raw);
        expect(line, `${file.id}: refused without a materialization: ${mine.error}`).toBeDefined();
        expect(mine.error).toContain(`${file.path}:${line}: A custom materialization is not supported`);
        refused++;
      } else {
        expect(mine, file.id).toEqual(theirs);
        identical++;
      }
    }
    expect(identical + refused).toBe(files.length);
    // Only materialization files are refused; every other file is identical.
    expect(refused).toBe(files.filter((f) => materializationLine(f.raw) !== undefined).length);
  });

  it("renders every loadable file's top level to the same text", async () => {
    for (const file of files) {
      if ('error' in parseWithRunner(file)) continue;
      const theirs = topLevel.get(file.id);
      expect(theirs, file.id).toHaveProperty('output');
      expect(await renderTopLevelWithRunner(file), file.id).toEqual(theirs);
    }
  });

  it('returns the same SQL from the macros that are pure given simple arguments', async () => {
    expect(calls.length).toBeGreaterThanOrEqual(50);
    const library = loadLibrary(callable);
    for (const [i, call] of calls.entries()) {
      expect(called[i], call).toHaveProperty('output');
      expect(await renderWithLibrary(library, `{{ ${call} }}`), call).toEqual(called[i]);
    }
  });

  it("gives dbt-duckdb's results from the runner's own cross-database macros (no dbt macro file loaded)", async () => {
    // Users' runs have no dbt wheel: `dbt.dateadd`, `dbt.listagg`... are the runner's own (cross-db.ts).
    // Each call above that names one is rendered by them and by dbt's macros; DuckDB runs both.
    const empty = loadLibrary([]);
    const crossDb = calls
      .map((call, i) => ({ call, i, name: /^([a-z_]+)\(/.exec(call)?.[1] ?? '' }))
      .filter(({ name }) => Object.prototype.hasOwnProperty.call(CROSS_DB_MACROS, name));
    expect(crossDb.length).toBeGreaterThanOrEqual(25);
    const fixture = `with t as (select * from (values
        (1, 2.5, [1, 2], 'x', 'y', true, 'Ann', 'Lee', TIMESTAMP '2024-01-31 10:00:00', TIMESTAMP '2024-01-01 00:00:00',
         TIMESTAMP '2024-05-17 12:00:00', DATE '2024-02-10', 'banana', 'a.b.c', '42'),
        (2, 4.0, [3], 'z', 'w', false, 'Bo', 'Ng', TIMESTAMP '2023-12-01 00:00:00', TIMESTAMP '2023-11-30 23:00:00',
         TIMESTAMP '2024-02-29 00:00:00', DATE '2023-11-05', 'apple', 'd.e', 'x'))
      as v(id, amount, arr, a, b, is_active, first_name, last_name, created_at, started_at, ended_at, order_date, name, path, x))`;
    await withSession(async (session) => {
      const result = async (sql: string, call: string) => {
        // The clock moves between the two queries: its type is what must agree.
        const trimmed = call.startsWith('current_timestamp') ? `typeof(${sql.trim()})` : sql.trim();
        if (/^(except|intersect)$/i.test(trimmed)) return trimmed.toLowerCase();
        const query = /^(select|with)\b/i.test(trimmed)
          ? `${fixture} select * from (${trimmed}) q order by all`
          : `${fixture} select ${trimmed} as v from t`;
        try {
          return JSON.stringify(await session.all(query), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
        } catch (error) {
          // Both must fail alike where dbt-duckdb's own SQL does not run on DuckDB (dbt.date's to_date).
          return `error: ${(error as Error).message.split('\n')[0]!}`;
        }
      };
      for (const { call, i } of crossDb) {
        const mine = await renderWithLibrary(empty, `{{ ${call} }}`);
        expect(mine, call).toHaveProperty('output');
        const theirs = (called[i] as { output: string }).output;
        expect(await result((mine as { output: string }).output, call), call).toEqual(await result(theirs, call));
      }
    });
  });
});
