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
});
