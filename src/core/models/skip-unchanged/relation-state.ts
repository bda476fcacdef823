import type { SqlExecutor } from '../sql-executor';
import type { TableRead } from './sql-reads';

/**
 * The DuckLake state of tables, as the catalog records it: a table's uuid (new
 * on every CREATE OR REPLACE) and the last snapshot that changed it (its data
 * files, deletes, inlined rows, columns, or a change the snapshot log names it
 * in), with that snapshot's time — so a catalog pulled from elsewhere whose
 * snapshot ids happen to coincide still differs. Two equal states mean the
 * same rows.
 */
export class RelationStates {
  private defaults: { catalog: string; schema: string } | undefined;
  private readonly lakes = new Map<string, boolean>();

  constructor(private readonly executor: SqlExecutor) {}

  /** The state of one table, or undefined when it is not a DuckLake table (a view, a plain DuckDB table, a missing one). */
  async stateOf(read: TableRead): Promise<string | undefined> {
    const name = await this.resolve(read);
    if (!name || !(await this.isLake(name.catalog))) return undefined;
    const meta = `"__ducklake_metadata_${name.catalog.replace(/"/g, '""')}"`;
    const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
    const tables = await this.executor.rows<{ table_id: bigint; table_uuid: string; begin_snapshot: bigint }>(
      `SELECT t.table_id, CAST(t.table_uuid AS VARCHAR) AS table_uuid, t.begin_snapshot
       FROM ${meta}.ducklake_table t JOIN ${meta}.ducklake_schema s USING (schema_id)
       WHERE t.end_snapshot IS NULL AND s.end_snapshot IS NULL
         AND lower(s.schema_name) = lower(${lit(name.schema)}) AND lower(t.table_name) = lower(${lit(name.table)})`,
    );
    if (tables.length !== 1) return undefined;
    const { table_id: id, table_uuid: uuid } = tables[0]!;
    const qualified = `${name.schema}.${name.table}`.toLowerCase();
    const rows = await this.executor.rows<{ last: bigint | null }>(
      `SELECT max(s) AS last FROM (
         SELECT begin_snapshot AS s FROM ${meta}.ducklake_data_file WHERE table_id = ${id}
         UNION ALL SELECT end_snapshot FROM ${meta}.ducklake_data_file WHERE table_id = ${id}
         UNION ALL SELECT begin_snapshot FROM ${meta}.ducklake_delete_file WHERE table_id = ${id}
         UNION ALL SELECT end_snapshot FROM ${meta}.ducklake_delete_file WHERE table_id = ${id}
         UNION ALL SELECT begin_snapshot FROM ${meta}.ducklake_column WHERE table_id = ${id}
         UNION ALL SELECT end_snapshot FROM ${meta}.ducklake_column WHERE table_id = ${id}
         UNION ALL SELECT ${tables[0]!.begin_snapshot}
         UNION ALL SELECT snapshot_id FROM ducklake_snapshots(${lit(name.catalog)}) AS snap,
           (SELECT unnest(map_values(snap.changes)) AS v) AS c
           WHERE EXISTS (SELECT 1 FROM (SELECT unnest(c.v) AS item)
             WHERE item = ${lit(String(id))} OR lower(replace(item, '"', '')) = ${lit(qualified)})
       )`,
    );
    const last = rows[0]?.last;
    if (last === null || last === undefined) return undefined;
    const time = await this.executor.rows<{ t: string }>(
      `SELECT CAST(snapshot_time AS VARCHAR) AS t FROM ducklake_snapshots(${lit(name.catalog)}) WHERE snapshot_id = ${last}`,
    );
    return `${uuid}@${String(last)}@${time[0]?.t ?? ''}`;
  }

  /** Fills in the session's default catalog and schema; a two-part name that could also be catalog.table is refused. */
  private async resolve(read: TableRead): Promise<{ catalog: string; schema: string; table: string } | undefined> {
    this.defaults ??= await this.executor
      .rows<{ c: string; s: string }>('SELECT current_database() AS c, current_schema() AS s')
      .then((r) => ({ catalog: String(r[0]!.c), schema: String(r[0]!.s) }));
    const defaults = this.defaults!;
    if (read.catalog) return { catalog: read.catalog, schema: read.schema || 'main', table: read.table };
    if (read.schema) {
      const catalogs = await this.executor.rows<{ n: bigint }>(
        `SELECT count(*) AS n FROM duckdb_databases() WHERE lower(database_name) = lower('${read.schema.replace(/'/g, "''")}')`,
      );
      if (Number(catalogs[0]?.n ?? 0) > 0) return undefined;
      return { catalog: defaults.catalog, schema: read.schema, table: read.table };
    }
    return { catalog: defaults.catalog, schema: defaults.schema, table: read.table };
  }

  private async isLake(catalog: string): Promise<boolean> {
    const key = catalog.toLowerCase();
    let lake = this.lakes.get(key);
    if (lake === undefined) {
      const rows = await this.executor.rows<{ type: string }>(
        `SELECT type FROM duckdb_databases() WHERE lower(database_name) = '${key.replace(/'/g, "''")}'`,
      );
      lake = rows[0]?.type === 'ducklake';
      this.lakes.set(key, lake);
    }
    return lake;
  }
}
