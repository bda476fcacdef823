import { readFileSync } from 'node:fs';
import type nunjucks from 'nunjucks';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { ProjectConfigError } from './errors';
import { renderString } from './jinja/environment';
import { cleanTemplateMessage } from './jinja/macros';
import type { YamlCache } from './parse-cache';

export interface YamlRenderContext {
  env: Readonly<Record<string, string | undefined>>;
  /** Vars visible while loading YAML (the CLI's, for dbt_project.yml and profiles.yml). */
  vars: Record<string, unknown>;
  /** Extra names (e.g. `target` for schema.yml). */
  extra?: Record<string, unknown>;
}

/** Reads a YAML file (through the parse cache when given); syntax errors point at the file and line. */
export function readYamlFile(path: string, cache?: YamlCache): unknown {
  const text = readFileSync(path, 'utf8');
  try {
    return (cache ? cache.yaml(text, (t) => parseYaml(t) as unknown) : parseYaml(text)) ?? {};
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const line = error.linePos?.[0]?.line ?? 1;
      throw new ProjectConfigError(`Invalid YAML: ${error.message.split('\n')[0]}`, { file: path, line });
    }
    throw error;
  }
}

/**
 * Renders `{{ env_var('X', 'default') }}` / `{{ var('y') }}` inside string values,
 * as dbt does for dbt_project.yml, profiles.yml and schema.yml. Keys whose
 * values are rendered later with a model's context (hooks) are left alone.
 */
export function renderYamlValues(
  value: unknown,
  env: nunjucks.Environment,
  context: YamlRenderContext,
  file: string,
  skipKeys: ReadonlySet<string> = DEFERRED_KEYS,
): unknown {
  const templateContext = {
    ...context.extra,
    env_var: (name: string, fallback?: unknown) => {
      const found = context.env[String(name)];
      if (found !== undefined) return found;
      if (fallback !== undefined) return fallback;
      throw new ProjectConfigError(`Env var required but not provided: '${String(name)}'.`, { file, line: 1 });
    },
    var: (name: string, fallback?: unknown) => {
      if (String(name) in context.vars) return context.vars[String(name)];
      if (fallback !== undefined) return fallback;
      throw new ProjectConfigError(`Required var '${String(name)}' is not set.`, { file, line: 1 });
    },
  };
  const walk = (node: unknown): unknown => {
    if (typeof node === 'string') {
      if (!node.includes('{{') && !node.includes('{%')) return node;
      try {
        return coerce(renderString(env, node, templateContext));
      } catch (error) {
        const inner = (error as { cause?: unknown }).cause;
        if (inner instanceof ProjectConfigError) throw inner;
        throw new ProjectConfigError(`Cannot render '${node}': ${cleanTemplateMessage(error)}`, { file, line: 1 });
      }
    }
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) out[key] = skipKeys.has(key) ? child : walk(child);
      return out;
    }
    return node;
  };
  return walk(value);
}

export const DEFERRED_KEYS = new Set([
  'pre-hook',
  'post-hook',
  '+pre-hook',
  '+post-hook',
  'pre_hook',
  'post_hook',
  '+pre_hook',
  '+post_hook',
  'on-run-start',
  'on-run-end',
]);

// dbt renders YAML then reads numbers and booleans back as such.
function coerce(text: string): unknown {
  if (/^-?\d+$/.test(text.trim()) && text.trim().length < 16) return Number(text.trim());
  if (text === 'True' || text === 'true') return true;
  if (text === 'False' || text === 'false') return false;
  // dbt renders these values natively: a template that yields None is None.
  if (text === 'None') return null;
  return text;
}

export function asRecord(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

export function asStringList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map(String);
  return [String(value)];
}
