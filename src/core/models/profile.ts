import { existsSync } from 'node:fs';
import { basename, extname, isAbsolute, join, resolve } from 'node:path';
import type nunjucks from 'nunjucks';
import { sniffCatalogFormatSync } from '../ducklake/format';
import { ProjectConfigError } from './errors';
import type { TargetInfo } from './jinja/context';
import type { CatalogOverride } from './types';
import { asRecord, readYamlFile, renderYamlValues } from './yaml-values';
import type { YamlCache } from './parse-cache';

/** One `attach:` entry of a dbt-duckdb profile. */
export interface AttachSpec {
  path: string;
  alias?: string;
  type?: string;
  readOnly: boolean;
  /** Extra ATTACH options (`data_path`, `override_data_path`, ...), keys as written. */
  options: Record<string, unknown>;
}

/** A resolved dbt-duckdb output (profiles.yml → profile → outputs → target). */
export interface DuckDBProfile {
  profileName: string;
  targetName: string;
  /** The main database file; `:memory:` for none. */
  path: string;
  /** The database models go to (`database:` or the name DuckDB gives `path`). */
  database: string;
  schema: string;
  threads: number;
  extensions: string[];
  settings: Record<string, string | number | boolean>;
  attach: AttachSpec[];
  /** The profiles.yml it came from. */
  file: string;
}

export interface ProfileLookup {
  projectDir: string;
  profileName: string;
  /** Folder holding profiles.yml; else DBT_PROFILES_DIR, the project folder, then ~/.dbt. */
  profilesDir?: string;
  target?: string;
  env: Readonly<Record<string, string | undefined>>;
  vars: Record<string, unknown>;
  jinja: nunjucks.Environment;
  /** Parsed YAML kept between runs (parse-cache.ts). */
  parseCache?: YamlCache;
}

export function findProfilesFile(lookup: Pick<ProfileLookup, 'profilesDir' | 'projectDir' | 'env'>): string {
  const candidates = [
    lookup.profilesDir,
    lookup.env.DBT_PROFILES_DIR,
    lookup.projectDir,
    lookup.env.HOME ? join(lookup.env.HOME, '.dbt') : undefined,
  ].filter((dir): dir is string => Boolean(dir));
  for (const dir of candidates) {
    const file = join(resolve(lookup.projectDir, dir), 'profiles.yml');
    if (existsSync(file)) return file;
  }
  throw new ProjectConfigError(
    `No profiles.yml found (looked in ${candidates.join(', ')}).`,
    undefined,
    'Add a profiles.yml with a dbt-duckdb output next to dbt_project.yml.',
  );
}

export function loadProfile(lookup: ProfileLookup): DuckDBProfile {
  const file = findProfilesFile(lookup);
  const all = asRecord(readYamlFile(file, lookup.parseCache));
  const profile = asRecord(all[lookup.profileName]);
  if (!all[lookup.profileName]) {
    throw new ProjectConfigError(
      `Profile '${lookup.profileName}' (named in dbt_project.yml) is not in ${file}.`,
      { file, line: 1 },
      `Profiles there: ${
        Object.keys(all)
          .filter((k) => k !== 'config')
          .join(', ') || 'none'
      }.`,
    );
  }
  // dbt renders only the selected target: an env var that only another target
  // reads must not stop the run.
  const render = (value: unknown) =>
    renderYamlValues(value, lookup.jinja, { env: lookup.env, vars: lookup.vars }, file, new Set());
  const declaredTarget = lookup.target === undefined ? render(profile.target) : undefined;
  const targetName = lookup.target ?? (typeof declaredTarget === 'string' ? declaredTarget : 'dev');
  const outputs = asRecord(profile.outputs);
  if (!outputs[targetName]) {
    throw new ProjectConfigError(
      `Target '${targetName}' is not among the outputs of profile '${lookup.profileName}' (${Object.keys(outputs).join(', ')}).`,
      { file, line: 1 },
    );
  }
  const output = asRecord(render(outputs[targetName]));
  if (output.type !== 'duckdb') {
    throw new ProjectConfigError(
      `Target '${targetName}' has type '${String(output.type)}'; the built-in runner runs dbt-duckdb profiles only.`,
      { file, line: 1 },
      "Set 'lakehouse.runner' to 'dbt' to use another adapter.",
    );
  }
  const path = typeof output.path === 'string' && output.path !== '' ? output.path : ':memory:';
  const attach = (Array.isArray(output.attach) ? output.attach : []).map((entry, i) => parseAttach(entry, file, i));
  const database = typeof output.database === 'string' ? output.database : databaseNameOf(path);
  const known = new Set([databaseNameOf(path), ...attach.map((a) => a.alias ?? databaseNameOf(a.path))]);
  if (!known.has(database)) {
    throw new ProjectConfigError(
      `Target database '${database}' is neither the main database nor an attached alias (${[...known].join(', ')}).`,
      { file, line: 1 },
    );
  }
  return {
    profileName: lookup.profileName,
    targetName,
    path,
    database,
    schema: typeof output.schema === 'string' ? output.schema : 'main',
    threads: typeof output.threads === 'number' ? output.threads : 1,
    extensions: (Array.isArray(output.extensions) ? output.extensions : []).map((e) =>
      typeof e === 'string' ? e : String(asRecord(e).name),
    ),
    // config_options go to duckdb.connect in dbt-duckdb, settings to each cursor; here both are SETs.
    settings: Object.fromEntries(
      Object.entries({ ...asRecord(output.config_options), ...asRecord(output.settings) }).map(([k, v]) => [
        k,
        typeof v === 'number' || typeof v === 'boolean' ? v : String(v),
      ]),
    ),
    attach,
    file,
  };
}

function parseAttach(entry: unknown, file: string, index: number): AttachSpec {
  const record = asRecord(entry);
  if (typeof record.path !== 'string') {
    throw new ProjectConfigError(`attach entry ${index + 1} has no path.`, { file, line: 1 });
  }
  const options = { ...asRecord(record.options) };
  // Loose keys dbt-duckdb users put next to path (data_path) count as options too.
  for (const [key, value] of Object.entries(record)) {
    if (!['path', 'alias', 'type', 'read_only', 'options', 'secret', 'is_ducklake'].includes(key)) options[key] = value;
  }
  const spec: AttachSpec = { path: record.path, readOnly: record.read_only === true, options };
  if (typeof record.alias === 'string') spec.alias = record.alias;
  if (typeof record.type === 'string') spec.type = record.type;
  return spec;
}

/** The name DuckDB gives an attached path without alias (file stem; `memory` for :memory:). */
export function databaseNameOf(path: string): string {
  if (path === ':memory:' || path === '') return 'memory';
  const withoutScheme = path.replace(/^ducklake:(sqlite:|postgres:|duckdb:)?/, '');
  return basename(withoutScheme, extname(withoutScheme));
}

export function isDuckLakeAttach(spec: AttachSpec): boolean {
  return spec.path.startsWith('ducklake:') || spec.type === 'ducklake';
}

/**
 * The attaches to run: the profile's, with the DuckLake one pointed at a pulled
 * catalog copy and a local mirror (DATA_PATH override) when asked to.
 */
export function applyCatalogOverride(
  attach: readonly AttachSpec[],
  override: CatalogOverride | undefined,
  file: string,
): AttachSpec[] {
  if (!override) return [...attach];
  const candidates = attach.filter((a) =>
    override.alias ? (a.alias ?? databaseNameOf(a.path)) === override.alias : isDuckLakeAttach(a),
  );
  if (candidates.length !== 1) {
    throw new ProjectConfigError(
      override.alias
        ? `No attach with alias '${override.alias}' in the profile to point at the pulled catalog.`
        : `The profile has ${candidates.length} DuckLake attaches; name the one to override with an alias.`,
      { file, line: 1 },
    );
  }
  const target = candidates[0]!;
  const options: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(target.options)) {
    if (!['data_path', 'override_data_path'].includes(key.toLowerCase())) options[key] = value;
  }
  options.data_path = override.dataPath;
  options.override_data_path = true;
  Object.assign(options, override.attachOptions ?? {});
  const replaced: AttachSpec = {
    ...target,
    path: override.attachPath ?? `ducklake:${catalogScheme(override.catalogPath)}${override.catalogPath}`,
    options,
  };
  if (!replaced.alias) replaced.alias = databaseNameOf(target.path);
  return attach.map((a) => (a === target ? replaced : a));
}

// A DuckLake catalog is SQLite when the file says so (the one sniffer, core/ducklake); a new file becomes SQLite.
function catalogScheme(path: string): string {
  if (!existsSync(path)) return 'sqlite:';
  return sniffCatalogFormatSync(path) === 'sqlite' ? 'sqlite:' : '';
}

/** `ATTACH IF NOT EXISTS '<path>' AS alias (TYPE t, READ_ONLY, KEY 'value', FLAG)`; relative paths resolved against `baseDir`. */
export function attachStatement(spec: AttachSpec, baseDir: string): string {
  const parts: string[] = [];
  if (spec.type) parts.push(`TYPE ${spec.type}`);
  if (spec.readOnly) parts.push('READ_ONLY');
  for (const [key, value] of Object.entries(spec.options)) {
    if (value === undefined || value === null || value === false) continue;
    const name = key.toUpperCase();
    if (value === true) parts.push(name);
    else if (typeof value === 'number') parts.push(`${name} ${value}`);
    else
      parts.push(`${name} ${literal(name === 'DATA_PATH' ? resolveDataPath(String(value), baseDir) : String(value))}`);
  }
  const alias = spec.alias ? ` AS "${spec.alias.replace(/"/g, '""')}"` : '';
  return `ATTACH IF NOT EXISTS ${literal(resolveAttachPath(spec.path, baseDir))}${alias}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/** The local file of a `ducklake:sqlite:` / `ducklake:` catalog (resolved), if it is one. */
export function localCatalogFile(spec: AttachSpec, baseDir: string): string | undefined {
  const resolved = resolveAttachPath(spec.path, baseDir);
  const match = /^ducklake:(?:sqlite:|duckdb:)?(.*)$/.exec(resolved);
  if (!match || /^[a-z]+:/.test(match[1]!) || match[1] === '' || match[1] === ':memory:') return undefined;
  return match[1];
}

function resolveAttachPath(path: string, baseDir: string): string {
  const match = /^(ducklake:(?:sqlite:|duckdb:)?)(.*)$/.exec(path);
  if (match) {
    const inner = match[2]!;
    if (match[1] === 'ducklake:' && /^[a-z]+:/.test(inner)) return path; // ducklake:postgres:... and the like
    return match[1] + (isLocalRelative(inner) ? resolve(baseDir, inner) : inner);
  }
  return isLocalRelative(path) ? resolve(baseDir, path) : path;
}

function resolveDataPath(path: string, baseDir: string): string {
  if (!isLocalRelative(path)) return path;
  const absolute = resolve(baseDir, path);
  // DuckLake joins file names onto DATA_PATH; keep the trailing separator users write.
  return path.endsWith('/') && !absolute.endsWith('/') ? `${absolute}/` : absolute;
}

function isLocalRelative(path: string): boolean {
  return (
    path !== ':memory:' &&
    path !== '' &&
    !isAbsolute(path) &&
    !/^[a-z][a-z0-9+.-]*:\/\//i.test(path) &&
    !path.startsWith('md:')
  );
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function targetInfo(profile: DuckDBProfile): TargetInfo {
  return {
    name: profile.targetName,
    profile_name: profile.profileName,
    type: 'duckdb',
    database: profile.database,
    schema: profile.schema,
    threads: profile.threads,
    path: profile.path,
  };
}
