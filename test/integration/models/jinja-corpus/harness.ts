import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, sep } from 'node:path';
import { parse } from 'yaml';
import type { NodeScope, ProjectServices } from '../../../../src/core/models/jinja/context';
import { createJinjaEnvironment } from '../../../../src/core/models/jinja/environment';
import {
  MacroLibrary,
  compileMacroFile,
  compileProjectTemplate,
  type MacroFile,
} from '../../../../src/core/models/jinja/macros';
import { makeQueryTable } from '../../../../src/core/models/jinja/query-result';
import { renderTemplate } from '../../../../src/core/models/jinja/render';
import { Relation } from '../../../../src/core/models/relation';
import { PEER_VENV } from '../peers';

/** One idiom of the corpus (snippets.yml). */
export interface Snippet {
  id: string;
  template: string;
  /** A macro file the template may call, loaded as a project macro file. */
  macros?: string;
  /** The runner refuses: the message names this construct and the snippet's file and line. */
  refusal?: string;
  /** The 1-based line the refusal must point at. */
  line?: number;
  /** Both sides fail with a message containing this. */
  error?: string;
}

export type Outcome = { output: string } | { error: string; code?: string };

export const PYTHON = join(PEER_VENV, 'bin', 'python');
const HELPER = join(__dirname, 'render_jinja2.py');

/** What both renderers see besides the template. */
export const COMMON_CONTEXT = {
  project_name: 'corpus',
  target: {
    name: 'dev',
    profile_name: 'corpus',
    type: 'duckdb',
    database: 'memory',
    schema: 'main',
    threads: 1,
    path: ':memory:',
  },
  vars: { start_date: '2020-01-01', n: 3, flag: true, cols: ['a', 'b'] },
  env: { LH_CORPUS: 'x' },
} as const;

export function loadSnippets(): Snippet[] {
  return parse(readFileSync(join(__dirname, 'snippets.yml'), 'utf8')) as Snippet[];
}

/** One Python process renders the whole batch with dbt's Jinja environment. */
export function runJinja2<T>(request: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, [HELPER], { maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`render_jinja2.py failed: ${stderr || error.message}`));
      else resolve(JSON.parse(stdout) as T);
    });
    child.stdin!.end(JSON.stringify(request));
  });
}

export async function renderSnippetsWithJinja2(snippets: Snippet[]): Promise<Map<string, Outcome>> {
  const results = await runJinja2<Array<{ id: string } & Outcome>>({
    cases: snippets.map(({ id, template, macros }) => ({ id, template, macros })),
    context: COMMON_CONTEXT,
  });
  return new Map(results.map(({ id, ...outcome }) => [id, outcome as Outcome]));
}

const env = createJinjaEnvironment();

function services(macros: MacroLibrary): ProjectServices {
  const { target, vars } = COMMON_CONTEXT;
  return {
    projectName: COMMON_CONTEXT.project_name,
    target: { ...target },
    lookupVar: (name) =>
      name in vars ? { found: true, value: (vars as Record<string, unknown>)[name] } : { found: false },
    env: COMMON_CONTEXT.env,
    macros,
    resolveRef: (name) => new Relation(target.database, target.schema, name, 'table'),
    resolveSource: (source, table) => new Relation(target.database, source, table, 'table'),
    invocationId: 'corpus',
    runStartedAt: new Date('2024-05-06T07:08:09Z'),
    fullRefresh: false,
  };
}

export const SNIPPET_PATH = '/corpus/models/snippet.sql';
export const MACRO_PATH = '/corpus/macros/snippet_macros.sql';

function scope(): NodeScope {
  return {
    uniqueId: 'model.corpus.snippet',
    name: 'snippet',
    resourceType: 'model',
    path: SNIPPET_PATH,
    config: { tags: [], enabled: true, pre_hook: [], post_hook: [] },
    relation: new Relation('memory', 'main', 'snippet', 'table'),
    isIncremental: false,
    execute: true,
  };
}

/** Renders a snippet the way the runner renders a model (compile, macros, dbt context). */
export async function renderSnippetWithRunner(snippet: Snippet, jinja = env): Promise<Outcome> {
  try {
    const macros = MacroLibrary.load(
      jinja,
      snippet.macros ? [{ path: MACRO_PATH, relativePath: 'macros/snippet_macros.sql', raw: snippet.macros }] : [],
    );
    const template = compileProjectTemplate(jinja, snippet.template, {
      path: SNIPPET_PATH,
      relativePath: 'models/snippet.sql',
    });
    const { text } = await renderTemplate({
      template,
      services: services(macros),
      scope: scope(),
      runQuery: () => Promise.resolve(makeQueryTable([], [])),
    });
    return { output: text };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return {
      error: error instanceof Error ? error.message : String(error),
      ...(typeof code === 'string' ? { code } : {}),
    };
  }
}

/** A macro file shipped by dbt-core's global project or dbt-duckdb, read from the peers venv. */
export interface DbtMacroFile extends MacroFile {
  /** `global_project/...` or `duckdb/...`. */
  id: string;
}

/** Every `.sql` file under the installed wheels' macro folders (never copied into this repository). */
export async function dbtMacroFiles(): Promise<DbtMacroFile[]> {
  const include = await new Promise<string>((resolve, reject) => {
    execFile(
      PYTHON,
      ['-c', 'import os, dbt.include.global_project as g; print(os.path.dirname(list(g.__path__)[0]))'],
      (error, stdout, stderr) => (error ? reject(new Error(stderr || error.message)) : resolve(stdout.trim())),
    );
  });
  const files: DbtMacroFile[] = [];
  for (const root of ['global_project/macros', 'duckdb/macros']) {
    for (const relative of readdirSync(join(include, root), { recursive: true }) as string[]) {
      if (!relative.endsWith('.sql')) continue;
      const path = join(include, root, relative);
      const id = `${root.split('/')[0]!}/${relative.split(sep).join('/')}`;
      files.push({ id, path, relativePath: `macros/${id}`, raw: readFileSync(path, 'utf8') });
    }
  }
  return files.sort((a, b) => a.id.localeCompare(b.id));
}

export type ParseOutcome = { macros: string[] } | { error: string };

/** dbt's parse of each file: the macros it defines (dbt's `dbt_macro__` prefix removed). */
export async function parseWithJinja2(files: DbtMacroFile[]): Promise<Map<string, ParseOutcome>> {
  const results = await runJinja2<Array<{ id: string; macros?: string[]; error?: string }>>({
    files: files.map((f) => ({ id: f.id, source: f.raw })),
  });
  return new Map(
    results.map(({ id, macros, error }) => [
      id,
      macros ? { macros: macros.map((m) => m.replace(/^dbt_macro__/, '')).sort() } : { error: error ?? '' },
    ]),
  );
}

/** The runner's parse of a file: its macros, or the error (a refusal) it raises. */
export function parseWithRunner(file: DbtMacroFile, jinja = env): ParseOutcome {
  try {
    return { macros: MacroLibrary.load(jinja, [file]).names().sort() };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** Renders a template against a macro library the way a model is rendered. */
export async function renderWithLibrary(library: MacroLibrary, source: string): Promise<Outcome> {
  try {
    const template = compileProjectTemplate(env, source, { path: SNIPPET_PATH, relativePath: 'models/snippet.sql' });
    const { text } = await renderTemplate({
      template,
      services: services(library),
      scope: scope(),
      runQuery: () => Promise.resolve(makeQueryTable([], [])),
    });
    return { output: text };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/** A macro file's top level rendered by the runner (what dbt renders when it parses the file). */
export async function renderTopLevelWithRunner(file: DbtMacroFile): Promise<Outcome> {
  try {
    const library = MacroLibrary.load(env, [file]);
    const { text } = await renderTemplate({
      template: compileMacroFile(env, file),
      services: services(library),
      scope: scope(),
      runQuery: () => Promise.resolve(makeQueryTable([], [])),
    });
    return { output: text };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

export function loadLibrary(files: MacroFile[]): MacroLibrary {
  return MacroLibrary.load(env, files);
}

export function loadMacroCalls(): string[] {
  return readFileSync(join(__dirname, 'dbt-macro-calls.txt'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/**
 * The shipped macro files the runner loads (materializations are refused),
 * without core files that define a name dbt-duckdb redefines (dbt's adapter
 * package wins; the runner's library refuses duplicate names).
 */
export function callableMacroFiles(files: DbtMacroFile[]): DbtMacroFile[] {
  const loadable = files.filter((f) => 'macros' in parseWithRunner(f));
  const adapterNames = new Set(
    loadable
      .filter((f) => f.id.startsWith('duckdb/'))
      .flatMap((f) => (parseWithRunner(f) as { macros: string[] }).macros),
  );
  return loadable.filter(
    (f) =>
      f.id.startsWith('duckdb/') ||
      !(parseWithRunner(f) as { macros: string[] }).macros.some((m) => adapterNames.has(m)),
  );
}
