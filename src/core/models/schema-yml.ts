import { ProjectConfigError, UnsupportedFeatureError, type SourceLocation } from './errors';
import type { ColumnSpec, ColumnTestSpec, ResourcePatch, SourceTable } from './types';
import { externalLocationOf } from './external-source';
import { locateKey, refuseExternalSource } from './unsupported';
import { parseUnitTests, type UnitTestSpec } from './unit-tests/spec';
import { asRecord } from './yaml-values';

export interface SchemaFileContents {
  models: ResourcePatch[];
  seeds: ResourcePatch[];
  sources: SourceTable[];
  unitTests: UnitTestSpec[];
  snapshots: SnapshotPatch[];
}

/** A `snapshots:` entry: a YAML snapshot (dbt 1.9, with `relation:`) or the config of a SQL one. */
export interface SnapshotPatch {
  name: string;
  config: Record<string, unknown>;
  /** `ref('x')` / `source('s', 't')`: the snapshot selects everything from it. */
  relation?: string;
  location: SourceLocation;
}

function parseSnapshotPatch(entry: Record<string, unknown>, file: string): SnapshotPatch {
  if (typeof entry.name !== 'string') throw new ProjectConfigError('A snapshot entry has no name.', { file, line: 1 });
  const location = locateKey([file], 'name', entry.name) ?? { file, line: 1 };
  const columns = Array.isArray(entry.columns) ? entry.columns.map(asRecord) : [];
  if (
    parseTests(entry.data_tests ?? entry.tests).length > 0 ||
    columns.some((c) => parseTests(c.data_tests ?? c.tests).length > 0)
  ) {
    throw new UnsupportedFeatureError('Data tests on snapshots', location, `snapshot ${entry.name} declares tests`);
  }
  const patch: SnapshotPatch = { name: entry.name, config: asRecord(entry.config), location };
  if (entry.relation !== undefined) {
    const relation = String(entry.relation).trim();
    if (!/^(ref|source)\s*\(.*\)$/s.test(relation)) {
      throw new ProjectConfigError(
        `Snapshot '${entry.name}': relation must be ref('...') or source('...', '...'), not '${relation}'.`,
        locateKey([file], 'relation') ?? location,
      );
    }
    patch.relation = relation;
  }
  return patch;
}

/** Reads one parsed schema.yml (models:, seeds:, sources:, unit_tests:) into patches, source tables and unit tests. */
export function parseSchemaFile(
  doc: unknown,
  file: string,
  fixtures: ReadonlyMap<string, string> = new Map(),
): SchemaFileContents {
  const root = asRecord(doc);
  return {
    snapshots: listOf(root.snapshots, file, 'snapshots').map((s) => parseSnapshotPatch(s, file)),
    unitTests: parseUnitTests(root.unit_tests, file, fixtures),
    models: listOf(root.models, file, 'models').map((m) => parsePatch(m, file)),
    seeds: listOf(root.seeds, file, 'seeds').map((m) => parsePatch(m, file)),
    sources: listOf(root.sources, file, 'sources').flatMap((s) => parseSource(s, file)),
  };
}

function listOf(value: unknown, file: string, key: string): Record<string, unknown>[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ProjectConfigError(`'${key}:' must be a list.`, { file, line: 1 });
  return value.map(asRecord);
}

function parsePatch(entry: Record<string, unknown>, file: string): ResourcePatch {
  if (typeof entry.name !== 'string') throw new ProjectConfigError('A model entry has no name.', { file, line: 1 });
  if (Array.isArray(entry.versions) && entry.versions.length > 0) {
    throw new UnsupportedFeatureError('Model versions', locateKey([file], 'versions'), `${entry.name} has versions:`);
  }
  const patch: ResourcePatch = {
    name: entry.name,
    config: asRecord(entry.config),
    columns: parseColumns(entry.columns),
    tests: parseTests(entry.data_tests ?? entry.tests),
    file,
  };
  if (typeof entry.description === 'string') patch.description = entry.description;
  if (Array.isArray(entry.constraints)) patch.constraints = entry.constraints.map(asRecord);
  return patch;
}

function parseColumns(value: unknown): ColumnSpec[] {
  if (!Array.isArray(value)) return [];
  return value.map(asRecord).map((c) => {
    const column: ColumnSpec = { name: String(c.name), tests: parseTests(c.data_tests ?? c.tests) };
    if (typeof c.description === 'string') column.description = c.description;
    if (c.data_type !== undefined && c.data_type !== null) column.dataType = String(c.data_type);
    if (Array.isArray(c.constraints)) column.constraints = c.constraints.map(asRecord);
    if (c.quote === true) column.quote = true;
    return column;
  });
}

// Keys of a test entry that configure it rather than being its arguments.
const TEST_CONFIG_KEYS = new Set([
  'config',
  'where',
  'severity',
  'tags',
  'enabled',
  'error_if',
  'warn_if',
  'limit',
  'fail_calc',
  'store_failures',
  'store_failures_as',
  'meta',
  'database',
  'schema',
  'alias',
]);

/** `- not_null`, `- accepted_values: {values: [...]}`, `- relationships: {arguments: {to:, field:}, config: {...}}`. */
export function parseTests(value: unknown): ColumnTestSpec[] {
  if (!Array.isArray(value)) return [];
  return value.map((item) => {
    if (typeof item === 'string') return { name: item, args: {}, config: {} };
    const record = asRecord(item);
    // `- {test_name: unique, name: my_test, config: …}`: the test named by a key, the rest its body (dbt's other form).
    const [name, body] =
      typeof record.test_name === 'string'
        ? [record.test_name, Object.fromEntries(Object.entries(record).filter(([k]) => k !== 'test_name'))]
        : (Object.entries(record)[0] ?? ['', {}]);
    const spec = asRecord(body);
    const args: Record<string, unknown> = { ...asRecord(spec.arguments) };
    const config: Record<string, unknown> = { ...asRecord(spec.config) };
    for (const [key, v] of Object.entries(spec)) {
      // A description documents the test; it is neither an argument nor part of its name (as in dbt).
      if (key === 'arguments' || key === 'config' || key === 'name' || key === 'description') continue;
      if (TEST_CONFIG_KEYS.has(key)) config[key] = v;
      else args[key] = v;
    }
    if (typeof spec.name === 'string') config.name = spec.name;
    // `- dbt_utils.expression_is_true: ...` keeps its namespace in the name.
    return { name, args, config };
  });
}

function parseSource(entry: Record<string, unknown>, file: string): SourceTable[] {
  if (typeof entry.name !== 'string') throw new ProjectConfigError('A source has no name.', { file, line: 1 });
  const sourceName = entry.name;
  refuseExternalSource(entry, file, sourceName);
  const schema = typeof entry.schema === 'string' ? entry.schema : sourceName;
  const database = typeof entry.database === 'string' ? entry.database : undefined;
  const tables = Array.isArray(entry.tables) ? entry.tables.map(asRecord) : [];
  return tables.map((t) => {
    refuseExternalSource(t, file, `${sourceName}.${String(t.name)}`);
    const table: SourceTable = {
      sourceName,
      name: String(t.name),
      schema,
      identifier: typeof t.identifier === 'string' ? t.identifier : String(t.name),
      columns: parseColumns(t.columns),
      tests: parseTests(t.data_tests ?? t.tests),
      file,
    };
    if (database !== undefined) table.database = database;
    const external = externalLocationOf(entry, t);
    if (external) table.external = external;
    return table;
  });
}
