import { existsSync, readFileSync } from 'node:fs';
import { UnsupportedFeatureError, type SourceLocation } from './errors';
import type { ManifestNode } from './types';
import { asRecord } from './yaml-values';

/**
 * Configs and YAML keys that change what dbt builds but the built-in runner
 * does not implement. Each is refused with the file and line where the
 * project sets it, never ignored (docs/JINJA.md lists them).
 */
const MATERIALIZATIONS = new Set(['view', 'table', 'incremental', 'ephemeral', 'seed', 'test', 'snapshot']);

/** The first line of `files` that sets `key` (`key:` / `+key:` in YAML, `key=` / `'key':` in a config() call). */
export function locateKey(
  files: readonly (string | undefined)[],
  key: string,
  value?: string,
): SourceLocation | undefined {
  const pattern = new RegExp(`(^|[\\s{(,+'"])${key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"]?\\s*[:=]`);
  // A line that also holds the value wins: `materialized='table'` in the model does not hide `+materialized: external`.
  for (const wanted of value === undefined ? [undefined] : [value, undefined]) {
    for (const file of files) {
      if (!file || !existsSync(file)) continue;
      const lines = readFileSync(file, 'utf8').split(/\r?\n/);
      const index = lines.findIndex((line) => pattern.test(line) && (wanted === undefined || line.includes(wanted)));
      if (index >= 0) return { file, line: index + 1 };
    }
  }
  const first = files.find((f): f is string => Boolean(f));
  return first ? { file: first, line: 1 } : undefined;
}

/** Refuses a model's, seed's or test's config the runner would otherwise ignore. */
export function refuseUnsupportedConfig(
  node: Pick<ManifestNode, 'name' | 'config'>,
  files: readonly (string | undefined)[],
): void {
  const config = node.config;
  const refuse = (key: string, feature: string, detail: string, value?: string): never => {
    throw new UnsupportedFeatureError(feature, locateKey(files, key, value), `${node.name} sets ${detail}`);
  };
  const materialized = String(config.materialized ?? 'view');
  if (!MATERIALIZATIONS.has(materialized)) {
    refuse('materialized', `The '${materialized}' materialization`, `materialized='${materialized}'`, materialized);
  }
  // Enforced contracts are checked (materializations/contract.ts) on tables, views and incrementals.
  if (asRecord(config.contract).enforced === true) {
    if (materialized === 'ephemeral')
      refuse('contract', 'An enforced contract on an ephemeral model', 'contract: {enforced: true}');
    if (config.lakehouse_layout !== undefined && config.lakehouse_layout !== null)
      refuse('contract', 'An enforced contract together with lakehouse_layout', 'contract: {enforced: true}');
  }
  if (isSet(config.sql_header)) refuse('sql_header', 'sql_header', 'sql_header');
  if (Array.isArray(config.indexes) && config.indexes.length > 0) refuse('indexes', 'indexes', 'indexes');
  const docs = asRecord(config.persist_docs);
  if (docs.relation === true || docs.columns === true) refuse('persist_docs', 'persist_docs', 'persist_docs');
  if (config.store_failures === true || isSet(config.store_failures_as)) {
    refuse(
      isSet(config.store_failures_as) ? 'store_failures_as' : 'store_failures',
      'Storing test failures',
      'store_failures',
    );
  }
  if (String(config.incremental_strategy ?? '') === 'microbatch') {
    refuse('incremental_strategy', "incremental_strategy='microbatch'", "incremental_strategy='microbatch'");
  }
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '' && value !== false;
}

/** dbt-duckdb source configs that read files or plugins instead of a table. */
export function refuseExternalSource(entry: Record<string, unknown>, file: string, name: string): void {
  for (const holder of [entry, asRecord(entry.config)]) {
    const meta = asRecord(holder.meta);
    // external_location (and its formatter) is read: external-source.ts. A plugin runs Python.
    for (const key of ['plugin']) {
      if (meta[key] !== undefined || (holder !== entry && holder[key] !== undefined)) {
        throw new UnsupportedFeatureError(
          `A dbt-duckdb '${key}' source`,
          locateKey([file], key),
          `source ${name} sets ${key}`,
        );
      }
    }
  }
}
