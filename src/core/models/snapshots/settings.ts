import { ProjectConfigError, UnsupportedFeatureError, type SourceLocation } from '../errors';
import type { ManifestNode } from '../types';
import { locateKey } from '../unsupported';
import type { HardDeletes } from './snapshot-sql';

export interface SnapshotSettings {
  strategy: 'timestamp' | 'check';
  uniqueKey: string | string[];
  updatedAt?: string;
  checkCols: 'all' | string[];
  hardDeletes: HardDeletes;
  validToCurrent?: string;
  location: SourceLocation | undefined;
}

/** Where a snapshot's config lives: its file, its YAML entry, dbt_project.yml. */
export function snapshotFiles(node: ManifestNode): string[] {
  return node.configFiles ?? (node.file ? [node.file.path] : []);
}

/**
 * A snapshot's config checked as dbt checks it, and what this runner does not do refused
 * where it is set: custom strategies, `hard_deletes: new_record`, renamed meta columns.
 */
export function snapshotSettings(node: ManifestNode): SnapshotSettings {
  const config = node.config;
  const files = snapshotFiles(node);
  const at = (key: string, value?: string) => locateKey(files, key, value);
  const location = node.file ? { file: node.file.path, line: node.file.line ?? 1 } : undefined;
  const strategy = String(config.strategy ?? '');
  if (strategy === '') {
    throw new ProjectConfigError(
      `Snapshot '${node.name}' has no strategy.`,
      location,
      "Set strategy='timestamp' or 'check'.",
    );
  }
  if (strategy !== 'timestamp' && strategy !== 'check') {
    throw new UnsupportedFeatureError(
      `The snapshot strategy '${strategy}'`,
      at('strategy', strategy),
      `${node.name} sets strategy='${strategy}'`,
    );
  }
  const rawKey = config.unique_key;
  const uniqueKey = Array.isArray(rawKey) ? rawKey.map(String) : typeof rawKey === 'string' ? rawKey : undefined;
  if (uniqueKey === undefined || (Array.isArray(uniqueKey) && uniqueKey.length === 0)) {
    throw new ProjectConfigError(
      `Snapshot '${node.name}' has no unique_key.`,
      location,
      'Set unique_key to the column (or columns) that identify a row.',
    );
  }
  for (const key of ['snapshot_table_column_names', 'snapshot_meta_column_names']) {
    if (config[key] !== undefined) {
      throw new UnsupportedFeatureError(`Renamed snapshot meta columns (${key})`, at(key), `${node.name} sets ${key}`);
    }
  }
  let hardDeletes: HardDeletes = 'ignore';
  const rawHard = config.hard_deletes;
  if (rawHard !== undefined && rawHard !== null) {
    const value = String(rawHard);
    if (value === 'new_record') {
      throw new UnsupportedFeatureError(
        "hard_deletes: 'new_record'",
        at('hard_deletes', value),
        `${node.name} sets hard_deletes='new_record'`,
      );
    }
    if (value !== 'ignore' && value !== 'invalidate') {
      throw new ProjectConfigError(
        `Snapshot '${node.name}': hard_deletes must be 'ignore', 'invalidate' or 'new_record', not '${value}'.`,
        at('hard_deletes', value),
      );
    }
    hardDeletes = value;
  } else if (config.invalidate_hard_deletes === true) {
    hardDeletes = 'invalidate';
  }
  const settings: SnapshotSettings = { strategy, uniqueKey, checkCols: [], hardDeletes, location };
  if (typeof config.updated_at === 'string') settings.updatedAt = config.updated_at;
  if (strategy === 'timestamp' && !settings.updatedAt) {
    throw new ProjectConfigError(
      `Snapshot '${node.name}' uses the timestamp strategy without updated_at.`,
      location,
      'Set updated_at to the column that says when a row changed.',
    );
  }
  if (strategy === 'check') {
    const cols = config.check_cols;
    if (cols === 'all') settings.checkCols = 'all';
    else if (Array.isArray(cols) && cols.length > 0) settings.checkCols = cols.map(String);
    else {
      throw new ProjectConfigError(
        `Invalid value for 'check_cols': ${JSON.stringify(cols ?? null)}`,
        at('check_cols') ?? location,
        "check_cols is 'all' or a list of columns.",
      );
    }
  }
  if (typeof config.dbt_valid_to_current === 'string' && config.dbt_valid_to_current.trim() !== '') {
    settings.validToCurrent = config.dbt_valid_to_current.trim();
  }
  return settings;
}
