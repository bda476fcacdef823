import nunjucks from 'nunjucks';
import { JINJA_FILTERS } from './filters';
import { JINJA_GLOBALS } from './globals';
import { installPythonCompat } from './python-compat';
import { JINJA_TESTS } from './tests';
import type { TemplateCodeCache } from '../parse-cache';

/** The parser and node classes nunjucks hands to extensions (not in its type definitions). */
interface ExtensionParser {
  nextToken(): { value: string; lineno: number; colno: number };
  parseExpression(): unknown;
  advanceAfterBlockEnd(name: string): void;
}
interface ExtensionNodes {
  CallExtension: new (ext: object, prop: string, args: unknown, contentArgs: unknown) => unknown;
  NodeList: new (lineno: number, colno: number, children: unknown[]) => unknown;
}

/**
 * `{% do expr %}`: evaluate for the side effect and print nothing. dbt turns on
 * Jinja's `do` extension; nunjucks has no such tag.
 */
class DoTag {
  readonly tags = ['do'];

  parse(parser: ExtensionParser, nodes: ExtensionNodes): unknown {
    const token = parser.nextToken();
    const expression = parser.parseExpression();
    parser.advanceAfterBlockEnd(token.value);
    return new nodes.CallExtension(this, 'run', new nodes.NodeList(token.lineno, token.colno, [expression]), null);
  }

  run(): string {
    return '';
  }
}

/**
 * One nunjucks environment configured for dbt templates: no autoescaping
 * (this is SQL, not HTML), Jinja's whitespace defaults (no trim_blocks), the
 * Python-ish methods and filters dbt code relies on, and the `do` tag.
 * `dev: true` keeps nunjucks' own error objects, which carry line numbers.
 */
export function createJinjaEnvironment(options: { templateCode?: TemplateCodeCache } = {}): nunjucks.Environment {
  installPythonCompat();
  const env = new nunjucks.Environment(null, {
    autoescape: false,
    throwOnUndefined: false,
    trimBlocks: false,
    lstripBlocks: false,
    dev: true,
  });
  env.addExtension('do', new DoTag() as unknown as nunjucks.Extension);
  for (const [name, filter] of Object.entries(JINJA_FILTERS)) env.addFilter(name, filter);
  const withTests = env as unknown as { addTest(name: string, test: (...args: unknown[]) => boolean): void };
  for (const [name, test] of Object.entries(JINJA_TESTS)) withTests.addTest(name, test);
  for (const [name, value] of Object.entries(JINJA_GLOBALS)) env.addGlobal(name, value);
  if (options.templateCode) codeCaches.set(env, options.templateCode);
  return env;
}

/** Each environment's cache of compiled template code (parse-cache.ts), given when it was created. */
const codeCaches = new WeakMap<nunjucks.Environment, TemplateCodeCache>();

/** nunjucks' compiler and error helper (not in its type definitions). */
const internals = nunjucks as unknown as {
  compiler: {
    compile(
      source: string,
      asyncFilters: unknown,
      extensions: unknown,
      path: string | undefined,
      opts: unknown,
    ): string;
  };
  lib: { _prettifyError(path: string | undefined, withInternals: boolean, error: unknown): Error };
};

/** Compiles eagerly so syntax errors surface at load time with their line. */
export function compileTemplate(env: nunjucks.Environment, source: string, path: string): nunjucks.Template {
  const cache = codeCaches.get(env);
  const text = preprocess(source);
  return cache ? fromCode(env, cache, text, path) : new nunjucks.Template(text, env, path, true);
}

/** nunjucks' `env.renderString` (no preprocessing, no path), with the compiled code from the environment's cache. */
export function renderString(env: nunjucks.Environment, source: string, context: object): string {
  const cache = codeCaches.get(env);
  return cache ? fromCode(env, cache, source, undefined).render(context) : env.renderString(source, context);
}

function fromCode(
  env: nunjucks.Environment,
  cache: TemplateCodeCache,
  text: string,
  path: string | undefined,
): nunjucks.Template {
  const code = cache.templateCode(text, path ?? '', () => compileToCode(env, text, path));
  // Instantiated as nunjucks does with the code it compiles (`new Function(code)()`); its typings
  // know only the string form of a template's source.
  const compiled = { type: 'code', obj: new Function(code)() as object } as unknown as string;
  return new nunjucks.Template(compiled, env, path, true);
}

/** What nunjucks' Template compiles a source to, with the errors it would throw. */
function compileToCode(env: nunjucks.Environment, source: string, path: string | undefined): string {
  const e = env as unknown as { asyncFilters: unknown; extensionsList: unknown; opts: { dev?: boolean } };
  try {
    return internals.compiler.compile(source, e.asyncFilters, e.extensionsList, path, e.opts);
  } catch (error) {
    throw internals.lib._prettifyError(path, Boolean(e.opts.dev), error);
  }
}

// `{% set ns.attr = value %}` (Jinja namespaces) has no nunjucks syntax; it
// becomes a call of the context's setattr helper. Line breaks are kept.
const SET_ATTRIBUTE = /\{%(-?)\s*set\s+([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\s*=([\s\S]*?)(-?)%\}/g;

export function preprocess(source: string): string {
  // Jinja drops one trailing newline of a template (keep_trailing_newline is off in dbt).
  return setAttributeBlocks(
    source
      .replace(/\r?\n$/, '')
      .replace(
        SET_ATTRIBUTE,
        (_m, open: string, target: string, attribute: string, value: string, close: string) =>
          `{%${open} do ${SETATTR_HELPER}(${target}, '${attribute}', ${value.trim()}) ${close}%}`,
      ),
  );
}

// Any set tag and endset tag: a set without `=` (outside strings) opens a block.
const SET_OR_ENDSET = /\{%(-?)\s*(set|endset)\b([^%]*?)(-?)%\}/g;
const BLOCK_ATTRIBUTE_TARGET = /^\s*([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)\s*$/;

/**
 * `{% set ns.attr %}...{% endset %}` (a block set on a namespace, which dbt_utils' own tests use)
 * becomes a block set of a hidden name, then the setattr helper: the same text, on the same lines.
 */
function setAttributeBlocks(source: string): string {
  if (!/\{%-?\s*set\s+[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_]/.test(source)) return source;
  const open: Array<{ target: string; attribute: string; name: string } | undefined> = [];
  let count = 0;
  return source.replace(SET_OR_ENDSET, (tag, dashOpen: string, kind: string, body: string, dashClose: string) => {
    if (kind === 'set') {
      if (body.includes('=')) return tag;
      const m = BLOCK_ATTRIBUTE_TARGET.exec(body);
      if (!m) {
        open.push(undefined);
        return tag;
      }
      const name = `lh_block_${String(count++)}__`;
      open.push({ target: m[1]!, attribute: m[2]!, name });
      return `{%${dashOpen} set ${name} ${dashClose}%}`;
    }
    const block = open.pop();
    if (!block) return tag;
    return `{%${dashOpen} endset %}{% do ${SETATTR_HELPER}(${block.target}, '${block.attribute}', ${block.name}) ${dashClose}%}`;
  });
}

export const SETATTR_HELPER = 'lh_setattr__';
