import type { NodeConfig } from './types';
import { asRecord, asStringList } from './yaml-values';

/**
 * dbt config resolution: dbt_project.yml folder blocks (general to specific),
 * then schema.yml `config:`, then the file's own `config()`. Later levels
 * override, except `tags` (union), hooks (appended) and `meta` and `lakehouse_layout` (merged).
 */
export function emptyConfig(): NodeConfig {
  return { tags: [], enabled: true, pre_hook: [], post_hook: [] };
}

/** Keys of a dbt_project.yml block that are configs even without a `+`. */
const KNOWN_CONFIG_KEYS = new Set([
  'materialized',
  'schema',
  'database',
  'alias',
  'tags',
  'enabled',
  'pre-hook',
  'post-hook',
  'pre_hook',
  'post_hook',
  'unique_key',
  'incremental_strategy',
  'full_refresh',
  'on_schema_change',
  'column_types',
  'quote_columns',
  'severity',
  'meta',
  'docs',
  'persist_docs',
  'grants',
  'contract',
  'where',
  'store_failures',
  'delimiter',
  'sql_header',
  'merge_update_columns',
  'merge_exclude_columns',
  'incremental_predicates',
  'warn_if',
  'error_if',
  'limit',
  'fail_calc',
  'store_failures_as',
  'indexes',
  'merge_clauses',
  'merge_on_using_columns',
  'merge_update_condition',
  'merge_insert_condition',
  'merge_update_set_expressions',
  'merge_returning_columns',
  'strategy',
  'updated_at',
  'check_cols',
  'target_schema',
  'target_database',
  'invalidate_hard_deletes',
  'hard_deletes',
  'dbt_valid_to_current',
  'snapshot_meta_column_names',
  'lakehouse_layout',
]);

// Config values that are themselves mappings; a mapping under another key is a sub-folder.
const MAPPING_CONFIG_KEYS = new Set([
  'meta',
  'docs',
  'persist_docs',
  'grants',
  'contract',
  'column_types',
  'merge_clauses',
  'merge_update_set_expressions',
  'lakehouse_layout',
]);

/** Normalises a config key: no leading `+`, `pre-hook` → `pre_hook`. */
export function normaliseKey(key: string): string {
  const bare = key.startsWith('+') ? key.slice(1) : key;
  return bare === 'pre-hook' ? 'pre_hook' : bare === 'post-hook' ? 'post_hook' : bare;
}

/** Applies `values` on top of `base` with dbt's merge rules; returns a new config. */
export function mergeConfig(base: NodeConfig, values: Record<string, unknown>): NodeConfig {
  const out: NodeConfig = {
    ...base,
    tags: [...base.tags],
    pre_hook: [...base.pre_hook],
    post_hook: [...base.post_hook],
  };
  for (const [rawKey, value] of Object.entries(values)) {
    const key = normaliseKey(rawKey);
    if (value === undefined) continue;
    if (key === 'tags') {
      for (const tag of asStringList(value)) if (!out.tags.includes(tag)) out.tags.push(tag);
    } else if (key === 'pre_hook' || key === 'post_hook') {
      out[key].push(...hookList(value));
    } else if (key === 'meta' || key === 'column_types' || key === 'lakehouse_layout') {
      // lakehouse_layout merges like meta: a folder's row_group_size and a model's sorted_by combine.
      out[key] = { ...asRecord(out[key]), ...asRecord(value) } as never;
    } else if (key === 'enabled') {
      out.enabled = value !== false && value !== 'false';
    } else {
      out[key] = value;
    }
  }
  return out;
}

function hookList(value: unknown): string[] {
  const items = Array.isArray(value) ? value : [value];
  return items
    .map((item) =>
      item && typeof item === 'object' ? String((item as { sql?: unknown }).sql ?? '') : String(item ?? ''),
    )
    .filter((sql) => sql.trim() !== '');
}

/**
 * The config a dbt_project.yml block tree (`models:` or `seeds:`) gives a node
 * at `fqn` = [project, ...folders, name].
 */
export function folderConfig(tree: unknown, fqn: readonly string[]): Record<string, unknown>[] {
  const levels: Record<string, unknown>[] = [];
  let node = asRecord(tree);
  levels.push(configsOf(node));
  for (const part of fqn) {
    const child = node[part];
    if (!child || typeof child !== 'object' || Array.isArray(child)) break;
    node = child as Record<string, unknown>;
    levels.push(configsOf(node));
  }
  return levels;
}

function configsOf(block: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(block)) {
    if (key.startsWith('+')) out[key] = value;
    else if (KNOWN_CONFIG_KEYS.has(key) && (MAPPING_CONFIG_KEYS.has(key) || !isMapping(value))) out[key] = value;
  }
  return out;
}

function isMapping(value: unknown): boolean {
  return Boolean(value) && typeof value === 'object' && !Array.isArray(value);
}
