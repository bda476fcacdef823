import type { DuckDBSession } from '../lake/duckdb';
import { ModelRuntimeError } from './errors';
import { redactSecrets } from '../config/credentials';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { attachStatement, databaseNameOf, isDuckLakeAttach, localCatalogFile, type DuckDBProfile } from './profile';

export interface SessionSetup {
  /** Already bound to the lakehouse catalog (bindProfileToCatalog) when the run has one. */
  profile: DuckDBProfile;
  projectDir: string;
}

/**
 * Makes the session look like the profile's dbt-duckdb connection: extensions
 * loaded, settings applied, databases attached. Returns the ATTACH
 * statements run, for logs.
 */
export async function prepareSession(session: DuckDBSession, setup: SessionSetup): Promise<string[]> {
  const { profile } = setup;
  const attaches = profile.attach;
  const extensions = new Set(profile.extensions.map((e) => (e === 'sqlite' ? 'sqlite_scanner' : e)));
  for (const attach of attaches) {
    if (isDuckLakeAttach(attach)) {
      extensions.add('ducklake');
      if (attach.path.startsWith('ducklake:sqlite:')) extensions.add('sqlite_scanner');
      if (attach.path.startsWith('ducklake:postgres:')) extensions.add('postgres_scanner');
      // Team mode writes Parquet straight to the lakehouse through DuckDB's azure extension.
      if (/^(az|abfss):\/\//.test(String(attach.options.data_path ?? ''))) extensions.add('azure');
    }
  }
  await session.loadExtensions([...extensions]);
  for (const sql of settingStatements(setup, Boolean(session.options.extensionDirectory))) {
    await runSetup(session, sql, profile.file);
  }
  const statements: string[] = [];
  // The session is in memory; a profile's main database file is attached under the name dbt-duckdb gives it.
  const main =
    profile.path === ':memory:'
      ? undefined
      : { path: profile.path, alias: databaseNameOf(profile.path), readOnly: false, options: {} };
  for (const attach of main ? [main, ...attaches] : attaches) {
    // A first run creates the catalog; SQLite cannot create its folder.
    const catalogFile = localCatalogFile(attach, setup.projectDir);
    if (catalogFile) mkdirSync(dirname(catalogFile), { recursive: true });
    const sql = attachStatement(attach, setup.projectDir);
    await runSetup(session, sql, profile.file);
    statements.push(sql);
  }
  if (main) await runSetup(session, `USE "${main.alias}"`, profile.file);
  return statements;
}

async function runSetup(session: DuckDBSession, sql: string, file: string): Promise<void> {
  try {
    await session.run(sql);
  } catch (error) {
    // A PostgreSQL catalog's connection string may carry a password: masked before it reaches any message.
    throw new ModelRuntimeError(
      redactSecrets(
        `Setting up the connection failed on \`${sql}\`: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      ),
      { file, line: 1 },
      'Check the attach: and settings: entries of profiles.yml.',
      { cause: error },
    );
  }
}

/**
 * The profile's settings as SET statements (some are per connection, so a
 * worker connection of a parallel run replays them too).
 */
export function settingStatements(setup: SessionSetup, ownExtensionDirectory: boolean): string[] {
  const { profile } = setup;
  const out: string[] = [];
  // dbt resolves relative file paths against the project folder (its working directory); so does the session.
  if (!('file_search_path' in profile.settings)) {
    out.push(`SET file_search_path = '${setup.projectDir.replace(/'/g, "''")}'`);
  }
  for (const [key, value] of Object.entries(profile.settings)) {
    // The session was opened with the product's extension folder; a profile's own folder is for dbt.
    if (key === 'extension_directory' && ownExtensionDirectory) continue;
    const rendered = typeof value === 'string' ? `'${value.replace(/'/g, "''")}'` : String(value);
    out.push(`SET ${key} = ${rendered}`);
  }
  return out;
}
