import { DuckDBSession } from '../src/core/lake/duckdb';

export interface DuckDBInfo {
  version: string;
  extensions: Array<{ name: string; version: string; path: string }>;
}

/** The embedded DuckDB's version and the extension binaries it loads, for the results' machine section. */
export async function duckdbInfo(): Promise<DuckDBInfo> {
  const extensionDirectory = process.env.LAKEHOUSE_DUCKDB_EXTENSIONS;
  const session = await DuckDBSession.open(extensionDirectory ? { extensionDirectory } : {});
  try {
    await session.loadExtensions(['ducklake', 'sqlite_scanner', 'tpch']);
    const [row] = await session.all<{ v: string }>('SELECT version() AS v');
    const extensions = await session.all<{ name: string; version: string; path: string }>(
      `SELECT extension_name AS name, extension_version AS version, install_path AS path
       FROM duckdb_extensions() WHERE loaded AND install_path NOT IN ('', '(BUILT-IN)') ORDER BY 1`,
    );
    return { version: row!.v, extensions };
  } finally {
    session.close();
  }
}
