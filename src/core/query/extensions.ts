import type { DuckDBConnection } from '@duckdb/node-api';
import { ExtensionUnavailableError, quoteIdentifier } from '../lake/duckdb';

/** LOAD, falling back to INSTALL (from the configured extension directory, or DuckDB's download). */
export async function loadExtensions(
  conn: DuckDBConnection,
  names: readonly string[],
  extensionDirectory: string | undefined,
): Promise<void> {
  for (const name of names) {
    try {
      await conn.run(`LOAD ${quoteIdentifier(name)}`);
    } catch {
      try {
        await conn.run(`INSTALL ${quoteIdentifier(name)}; LOAD ${quoteIdentifier(name)}`);
      } catch (error) {
        throw new ExtensionUnavailableError(name, extensionDirectory, error);
      }
    }
  }
}
