import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { NodeScope, ProjectServices } from '../../../../src/core/models/jinja/context';
import { createJinjaEnvironment } from '../../../../src/core/models/jinja/environment';
import { MacroLibrary, compileProjectTemplate } from '../../../../src/core/models/jinja/macros';
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

export type Outcome = { output: string } | { error: string };

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
export async function renderSnippetWithRunner(snippet: Snippet): Promise<Outcome> {
  try {
    const macros = MacroLibrary.load(
      env,
      snippet.macros ? [{ path: MACRO_PATH, relativePath: 'macros/snippet_macros.sql', raw: snippet.macros }] : [],
    );
    const template = compileProjectTemplate(env, snippet.template, {
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
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
