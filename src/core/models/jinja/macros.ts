import type nunjucks from 'nunjucks';
import { LakehouseError } from '../../errors';
import { ModelCompileError, UnsupportedFeatureError } from '../errors';
import { compileTemplate } from './environment';
import { asRefusal, templateErrorLocation } from './template-errors';

export interface MacroFile {
  /** Absolute path. */
  path: string;
  /** Project-relative path with forward slashes. */
  relativePath: string;
  raw: string;
  /** The dbt package that ships the file; absent for the root project. */
  packageName?: string;
}

export interface MacroDefinition {
  name: string;
  file: MacroFile;
  /** 1-based line of the `{% macro %}` tag. */
  line: number;
}

export type MacroFunction = (...args: unknown[]) => unknown;

/** nunjucks runs a template's top level to collect its macros (synchronously for sync templates); untyped. */
interface ExportingTemplate {
  getExported(context: object, callback: (error: unknown, exported: unknown) => void): void;
}

/** Thrown by `return(value)`; the macro being called returns the value (outside any macro it is an error, as in dbt). */
export class MacroReturn {
  constructor(readonly value: unknown) {}
}

/** An error raised inside a project macro, so the message can name the macro and its file. */
export class MacroCallError extends Error {
  constructor(
    readonly macroName: string,
    readonly file: MacroFile,
    readonly inner: unknown,
  ) {
    super(`in macro '${macroName}' (${file.relativePath}): ${inner instanceof Error ? inner.message : String(inner)}`);
    this.name = 'MacroCallError';
  }
}

// Definitions are renamed so that calls between macros of one file go through
// the wrapper (and so `return()` is caught by the macro that raised it) instead
// of nunjucks' frame-local binding.
// No leading underscore: nunjucks does not export such names.
const INTERNAL_PREFIX = 'lh_macro__';
const MACRO_TAG = /\{%(-?)\s*macro\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(/g;
const TEST_TAG = /\{%(-?)\s*test\s+([A-Za-z_][A-Za-z0-9_]*)\s*\(/g;
const END_TEST_TAG = /\{%(-?)\s*endtest\s*(-?)%\}/g;
const UNSUPPORTED_BLOCKS: Array<[RegExp, string]> = [
  [/\{%-?\s*materialization\s/, 'A custom materialization'],
  [/\{%-?\s*snapshot\s/, 'A snapshot block'],
];

/**
 * The project's macros (`macros/**\/*.sql`), callable by name from models,
 * hooks and each other. Generic test blocks (`{% test name(model, ...) %}`)
 * become macros named `test_<name>`, as in dbt.
 */
export class MacroLibrary {
  private constructor(
    private readonly definitions: Map<string, MacroDefinition>,
    private readonly templates: Map<string, nunjucks.Template>,
  ) {}

  static load(env: nunjucks.Environment, files: readonly MacroFile[]): MacroLibrary {
    const definitions = new Map<string, MacroDefinition>();
    const templates = new Map<string, nunjucks.Template>();
    for (const file of files) {
      for (const [pattern, feature] of UNSUPPORTED_BLOCKS) {
        const match = pattern.exec(file.raw);
        if (match) throw new UnsupportedFeatureError(feature, { file: file.path, line: lineAt(file.raw, match.index) });
      }
      for (const { name, index } of findDefinitions(file.raw)) {
        // A package's macros are keyed `package.name`; the root project's by name.
        const key = file.packageName ? `${file.packageName}.${name}` : name;
        const existing = definitions.get(key);
        const line = lineAt(file.raw, index);
        if (existing) {
          throw new ModelCompileError(
            `Macro '${name}' is defined twice: here and in ${existing.file.relativePath}:${existing.line}.`,
            { file: file.path, line },
            'Rename or remove one of them.',
          );
        }
        definitions.set(key, { name, file, line });
      }
      templates.set(file.relativePath, compileMacroFile(env, file));
    }
    return new MacroLibrary(definitions, templates);
  }

  static empty(): MacroLibrary {
    return new MacroLibrary(new Map(), new Map());
  }

  /** `name` for the root project's macros, `package.name` for a package's. */
  has(name: string): boolean {
    return this.definitions.has(name);
  }

  get(name: string): MacroDefinition | undefined {
    return this.definitions.get(name);
  }

  names(): string[] {
    return [...this.definitions.keys()];
  }

  /**
   * Functions for every macro, evaluated against `context` (the model's dbt
   * context: macros see ref, this, config, var... as in dbt). The context
   * object must be complete before the first call.
   */
  bind(
    context: Record<string, unknown>,
    projectName?: string,
  ): Record<string, MacroFunction | Record<string, MacroFunction>> {
    const exportsByFile = new Map<string, Record<string, MacroFunction>>();
    const exportsOf = (file: MacroFile): Record<string, MacroFunction> => {
      let exported = exportsByFile.get(file.relativePath);
      if (!exported) {
        const template = this.templates.get(file.relativePath)! as unknown as ExportingTemplate;
        let failure: unknown;
        template.getExported(context, (error: unknown, result: unknown) => {
          failure = error;
          exported = result as Record<string, MacroFunction>;
        });
        if (failure || !exported) throw failure ?? new Error(`Could not load macros from ${file.relativePath}`);
        exportsByFile.set(file.relativePath, exported);
      }
      return exported;
    };
    // return(value) unwinds to the innermost project macro, like dbt's
    // MacroReturn; compiled macros restore their caller's frame on the way out.
    const bound: Record<string, MacroFunction | Record<string, MacroFunction>> = {
      return: (value: unknown) => {
        throw new MacroReturn(value);
      },
    };
    const packages = new Map<string, Record<string, MacroFunction>>();
    // The root project's macros are reachable by its name too (`my_project.macro()`), as in dbt.
    const own: Record<string, MacroFunction> = {};
    for (const [key, definition] of this.definitions) {
      const fn = (...args: unknown[]) => {
        const macro = exportsOf(definition.file)[INTERNAL_PREFIX + definition.name];
        if (!macro)
          throw new Error(`Macro '${definition.name}' could not be loaded from ${definition.file.relativePath}`);
        try {
          return macro(...args);
        } catch (error) {
          if (error instanceof MacroReturn) return error.value;
          if (error instanceof MacroCallError || error instanceof LakehouseError) throw error;
          throw new MacroCallError(definition.name, definition.file, unwrapTemplateError(error));
        }
      };
      const pkg = definition.file.packageName;
      if (!pkg) {
        bound[key] = fn;
        own[definition.name] = fn;
        continue;
      }
      const namespace = packages.get(pkg) ?? {};
      namespace[definition.name] = fn;
      packages.set(pkg, namespace);
    }
    // `package.macro` always; a package macro is also reachable by its bare name when neither the
    // root project nor dbt defines that name (dbt reaches it so only from the package's own nodes).
    for (const [pkg, namespace] of packages) {
      bound[pkg] = namespace;
      for (const [name, fn] of Object.entries(namespace)) {
        if (!(name in bound) && !(name in context)) bound[name] = fn;
      }
    }
    if (projectName && !(projectName in bound)) bound[projectName] = own;
    return bound;
  }
}

/** A macro file as the library compiles it (macros renamed, test blocks as macros). */
export function compileMacroFile(env: nunjucks.Environment, file: MacroFile): nunjucks.Template {
  return compileProjectTemplate(env, rewriteDefinitions(file.raw), file);
}

function findDefinitions(source: string): Array<{ name: string; index: number }> {
  // A definition inside a comment or a raw block is text (same offsets, so lines stay right).
  const raw = source.replace(/\{#[\s\S]*?#\}|\{%-?\s*raw\s*-?%\}[\s\S]*?\{%-?\s*endraw\s*-?%\}/g, (m) =>
    m.replace(/[^\n]/g, ' '),
  );
  const found: Array<{ name: string; index: number }> = [];
  for (const match of raw.matchAll(MACRO_TAG)) found.push({ name: match[2]!, index: match.index });
  for (const match of raw.matchAll(TEST_TAG)) found.push({ name: `test_${match[2]!}`, index: match.index });
  return found;
}

function rewriteDefinitions(raw: string): string {
  return raw
    .replace(MACRO_TAG, (_m, dash: string, name: string) => `{%${dash} macro ${INTERNAL_PREFIX}${name}(`)
    .replace(TEST_TAG, (_m, dash: string, name: string) => `{%${dash} macro ${INTERNAL_PREFIX}test_${name}(`)
    .replace(END_TEST_TAG, (_m, open: string, close: string) => `{%${open} endmacro ${close}%}`);
}

export function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** nunjucks wraps a thrown error in a TemplateError whose `cause` is the original. */
export function unwrapTemplateError(error: unknown): unknown {
  let current = error;
  while (
    current instanceof Error &&
    current.name === 'Template render error' &&
    (current as { cause?: unknown }).cause
  ) {
    current = (current as { cause?: unknown }).cause;
  }
  return current;
}

/** A nunjucks message without its `(path) [Line, Column]` prefix. */
export function cleanTemplateMessage(error: unknown): string {
  const inner = unwrapTemplateError(error);
  const message = inner instanceof Error ? inner.message : String(inner);
  return message
    .replace(/^\([^)]*\)(?: \[Line \d+(?:, Column \d+)?\])?\s*/, '')
    .replace(/^Error: /, '')
    .trim();
}

/** Compiles a project file's template; a Jinja syntax error becomes a compile error at the file's line. */
export function compileProjectTemplate(
  env: nunjucks.Environment,
  source: string,
  file: { path: string; relativePath: string },
): nunjucks.Template {
  try {
    return compileTemplate(env, source, file.relativePath);
  } catch (error) {
    const location = templateErrorLocation(error, file.path, 'compile');
    const refused = asRefusal(cleanTemplateMessage(error), location);
    if (refused) throw refused;
    throw new ModelCompileError(cleanTemplateMessage(error), location, undefined, {
      cause: error,
    });
  }
}
