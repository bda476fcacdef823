import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { isMap, parseDocument, stringify } from 'yaml';
import { ConfigError } from '../errors';
import { findProfilesFile } from '../models/profile';
import { CONFIG_FILE, DEFAULT_CATALOG_PATH, resolveEntries } from './lakehouseConfig';

export interface InitOptions {
  /** Folder lakehouse.yml goes to (where `lakehouse run` is started). */
  cwd: string;
  location: string;
  name?: string;
  /** The dbt project folder; `cwd` when omitted. */
  project?: string;
  catalog?: string;
  force?: boolean;
  env: Readonly<Record<string, string | undefined>>;
}

export interface InitResult {
  /** What was written, as `{ file, what }`, for the user to see. */
  written: { file: string; what: string }[];
  /** What was already there and left as it is. */
  kept: { file: string; what: string }[];
}

/**
 * `lakehouse init`: a lakehouse.yml naming the lakehouse and the project, and a
 * dbt-duckdb profile for the project when it has none. Never overwrites
 * lakehouse.yml without `force`; never rewrites a profile the user has (the
 * runner attaches the lakehouse catalog itself when a profile has no DuckLake).
 */
export function initProject(options: InitOptions): InitResult {
  const configFile = join(options.cwd, CONFIG_FILE);
  if (existsSync(configFile) && !options.force)
    throw new ConfigError(`${configFile} already exists; nothing was written.`, 'Pass --force to replace it.');
  const projectDir = resolve(options.cwd, options.project ?? '.');
  const projectFile = join(projectDir, 'dbt_project.yml');
  if (!existsSync(projectFile))
    throw new ConfigError(
      `No dbt_project.yml in ${projectDir}.`,
      'Run lakehouse init in your dbt project, or pass --project <dir>.',
    );
  const raw = {
    name: options.name ?? defaultName(options.location),
    location: options.location,
    catalog: options.catalog ?? DEFAULT_CATALOG_PATH,
    ...(projectDir === resolve(options.cwd) ? {} : { project: relative(options.cwd, projectDir) || '.' }),
  };
  // Validated exactly as lakehouse.yml will be read back (location shape, no credentials in it).
  resolveEntries([raw], 'lakehouse init');
  const result: InitResult = { written: [], kept: [] };
  writeFileSync(
    configFile,
    `# Written by lakehouse init. \`lakehouse run\` pulls this lakehouse's catalog, runs the project on it,\n# and with --publish uploads the result. Several lakehouses may be listed.\n${stringify({ lakehouses: [raw] })}`,
  );
  result.written.push({ file: configFile, what: `lakehouse '${raw.name}' at ${raw.location}` });
  writeProfile(projectDir, projectFile, options.env, result);
  return result;
}

function writeProfile(projectDir: string, projectFile: string, env: InitOptions['env'], result: InitResult): void {
  const profileName = parseDocument(readFileSync(projectFile, 'utf8')).get('profile');
  if (typeof profileName !== 'string' || profileName === '' || profileName.includes('{{'))
    throw new ConfigError(`${projectFile} names no profile (profile: <name>); lakehouse.yml was written, no profile.`);
  let file: string;
  try {
    file = findProfilesFile({ projectDir, env });
  } catch {
    file = join(projectDir, 'profiles.yml');
    writeFileSync(file, `# Written by lakehouse init.\n${stringify({ [profileName]: profileEntry() })}`);
    result.written.push({ file, what: `profile '${profileName}' (DuckLake catalog 'lake')` });
    return;
  }
  const doc = parseDocument(readFileSync(file, 'utf8'));
  if (doc.has(profileName)) {
    result.kept.push({
      file,
      what: `profile '${profileName}' (without a DuckLake attach, the lakehouse catalog is attached as 'lake' at run time)`,
    });
    return;
  }
  if (doc.contents !== null && !isMap(doc.contents))
    throw new ConfigError(`${file} is not a mapping of profiles; add profile '${profileName}' by hand.`);
  // Added through the document, so the user's comments and layout stay.
  doc.set(profileName, doc.createNode(profileEntry()));
  writeFileSync(file, doc.toString());
  result.written.push({ file, what: `profile '${profileName}' added (DuckLake catalog 'lake')` });
}

/** A dbt-duckdb output both runners use: dbt reads the catalog and mirror from the env vars the product sets. */
function profileEntry() {
  return {
    target: 'dev',
    outputs: {
      dev: {
        type: 'duckdb',
        path: ':memory:',
        database: 'lake',
        schema: 'main',
        threads: 1,
        // dbt's DuckDB loads the same extension binaries as the product's (set for the dbt process).
        config_options: { extension_directory: "{{ env_var('LAKEHOUSE_DUCKDB_EXTENSIONS', '~/.duckdb/extensions') }}" },
        attach: [
          {
            path: "ducklake:sqlite:{{ env_var('LAKEHOUSE_CATALOG_PATH', 'lake/metadata.db') }}",
            alias: 'lake',
            options: {
              data_path: "{{ env_var('LAKEHOUSE_DATA_PATH', 'lake/data/') }}",
              override_data_path: true,
            },
          },
        ],
      },
    },
  };
}

function defaultName(location: string): string {
  const item = location.replace(/\/+$/, '').split('/').pop() ?? '';
  const stem = item.replace(/\.Lakehouse$/i, '').replace(/[^\w.-]+/g, '-');
  return /^[\w.-]{1,64}$/.test(stem) ? stem : 'lakehouse';
}
