import { CatalogReader } from '../../ducklake/catalogReader';
import { databaseNameOf, isDuckLakeAttach, localCatalogFile, type DuckDBProfile } from '../profile';
import type { TableRead } from './sql-reads';

/**
 * The catalogs of a run whose states can be read without DuckDB: each a DuckLake catalog in a local
 * SQLite file (alias, lower case → file). Undefined when the session would hold anything else — a main
 * database file or another attach may hold macros or tables whose state only DuckDB can tell.
 */
export function lakeFilesOf(profile: DuckDBProfile, projectDir: string): Map<string, string> | undefined {
  if (profile.path !== ':memory:' || profile.attach.length === 0) return undefined;
  const files = new Map<string, string>();
  for (const attach of profile.attach) {
    const file = isDuckLakeAttach(attach) ? localCatalogFile(attach, projectDir) : undefined;
    if (!file || !attach.path.startsWith('ducklake:sqlite:')) return undefined;
    files.set((attach.alias ?? databaseNameOf(attach.path)).toLowerCase(), file);
  }
  return files;
}

/**
 * Table states read from the catalog files themselves (SQLite in WASM), for a skip check made before
 * DuckDB is opened. Read once per catalog and kept: only DuckDB writes the catalog in a run, and once it
 * is opened these are no longer asked. A catalog being written, unreadable or holding a macro (its body
 * may read any table) gives no state, so the check goes to DuckDB.
 */
export class CatalogFileStates {
  private readonly read = new Map<string, Promise<Map<string, string> | undefined>>();

  constructor(private readonly files: ReadonlyMap<string, string>) {}

  async stateOf(name: TableRead): Promise<string | undefined> {
    const alias = name.catalog.toLowerCase();
    const file = this.files.get(alias);
    if (!file) return undefined;
    let states = this.read.get(alias);
    if (!states) {
      states = readStates(file);
      this.read.set(alias, states);
    }
    return (await states)?.get(`${name.schema}.${name.table}`.toLowerCase());
  }
}

async function readStates(file: string): Promise<Map<string, string> | undefined> {
  try {
    const reader = await CatalogReader.openUnlessWritten(file);
    if (!reader) return undefined;
    try {
      return (await reader.hasMacros()) ? undefined : await reader.liveTableStates();
    } finally {
      await reader.close();
    }
  } catch {
    // No catalog yet, or one this build cannot read: DuckDB decides.
    return undefined;
  }
}
