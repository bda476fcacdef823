import { LakehouseError } from '../errors';
import { quoteIdentifier, quoteLiteral, type DuckDBSession } from '../lake/duckdb';

/**
 * Moves a DuckLake catalog between databases (SQLite file ⇄ PostgreSQL) by
 * copying its metadata tables as they are: every snapshot, id and relative
 * file path stays the same, so the Parquet files in Tables/ and the Delta logs
 * written from them stay valid and no data moves. The target is first laid out
 * by DuckLake itself (an ATTACH with DATA_PATH creates its empty tables), then
 * filled in one transaction.
 */
export async function copyCatalog(
  session: DuckDBSession,
  options: {
    /** Plain (non-DuckLake) attach of the source metadata database, read-only. */
    source: string;
    /** Plain attach of the target metadata database, already laid out by DuckLake. */
    target: string;
    /** The data path the target catalog records (the lakehouse's Tables/ URL). */
    dataPath: string;
  },
): Promise<{ tables: number; snapshots: number }> {
  const { source, target } = options;
  const list = async (db: string) =>
    (
      await session.all<{ name: string }>(
        `SELECT table_name AS name FROM duckdb_tables() WHERE database_name = ${quoteLiteral(db)} AND table_name LIKE 'ducklake%' ORDER BY 1`,
      )
    ).map((r) => r.name);
  const sourceTables = await list(source);
  if (!sourceTables.includes('ducklake_metadata'))
    throw new LakehouseError('catalog-format', 'The source is not a DuckLake catalog (no ducklake_metadata table).');
  const targetTables = new Set(await list(target));
  const existing = await session.all<{ n: bigint }>(
    `SELECT count(*) AS n FROM ${quoteIdentifier(target)}.ducklake_snapshot`,
  );
  if (Number(existing[0]?.n ?? 0) > 1)
    throw new LakehouseError(
      'catalog-not-empty',
      'The target database already holds a DuckLake catalog with commits; migrating into it would mix two histories.',
      'Use an empty database (or schema) for the migrated catalog.',
    );
  const src = (t: string) => `${quoteIdentifier(source)}.${quoteIdentifier(t)}`;
  const dst = (t: string) => `${quoteIdentifier(target)}.${quoteIdentifier(t)}`;
  await session.run('BEGIN TRANSACTION');
  try {
    for (const table of sourceTables) {
      if (targetTables.has(table)) {
        await session.run(`DELETE FROM ${dst(table)}`);
        await session.run(`INSERT INTO ${dst(table)} BY NAME SELECT * FROM ${src(table)}`);
      } else {
        // Inlined-data tables are made per table version; they exist only where rows were inlined.
        await session.run(`CREATE TABLE ${dst(table)} AS SELECT * FROM ${src(table)}`);
      }
    }
    await session.run(
      `UPDATE ${dst('ducklake_metadata')} SET value = ${quoteLiteral(options.dataPath)} WHERE key = 'data_path' AND scope IS NULL`,
    );
    await session.run('COMMIT');
  } catch (error) {
    await session.run('ROLLBACK').catch(() => undefined);
    throw error;
  }
  const [row] = await session.all<{ n: bigint }>(`SELECT count(*) AS n FROM ${dst('ducklake_snapshot')}`);
  return { tables: sourceTables.length, snapshots: Number(row?.n ?? 0) };
}
