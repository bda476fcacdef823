import { DuckDBSession, quoteIdentifier, quoteLiteral } from '../src/core/lake/duckdb';

/**
 * Row count of every table and view in a DuckLake catalog, keyed
 * `schema.table`: the cheap guard that both runners built the same thing.
 */
export async function catalogCounts(catalogPath: string, dataPath: string): Promise<Record<string, number>> {
  const extensionDirectory = process.env.LAKEHOUSE_DUCKDB_EXTENSIONS;
  const session = await DuckDBSession.open(extensionDirectory ? { extensionDirectory } : {});
  try {
    await session.loadExtensions(['ducklake', 'sqlite_scanner']);
    await session.run(
      `ATTACH ${quoteLiteral(`ducklake:sqlite:${catalogPath}`)} AS counted (DATA_PATH ${quoteLiteral(dataPath)}, READ_ONLY)`,
    );
    const tables = await session.all<{ s: string; t: string }>(
      `SELECT table_schema AS s, table_name AS t FROM information_schema.tables WHERE table_catalog = 'counted' ORDER BY 1, 2`,
    );
    const counts: Record<string, number> = {};
    for (const { s, t } of tables) {
      const [row] = await session.all<{ n: bigint }>(
        `SELECT count(*) AS n FROM counted.${quoteIdentifier(s)}.${quoteIdentifier(t)}`,
      );
      counts[`${s}.${t}`] = Number(row!.n);
    }
    return counts;
  } finally {
    session.close();
  }
}
