import type { ExistingKind } from './materializations';
import type { SqlExecutor } from './sql-executor';
import type { RelationName } from './types';

/**
 * What already exists in the target schemas, as dbt's relation cache keeps
 * it: each target catalog is listed once per run, then the runner records what its
 * own materializations create. Asking the catalog per node cost one
 * `information_schema.tables` query each, and on DuckLake that query walks
 * every table of the catalog (≈1 s at 120 tables on a loaded 2-core machine),
 * so a long run got slower with every table it added.
 */
export class RelationCache {
  /** Per catalog (lower case): its listing, schema (lower case) → identifier (lower case) → kind. */
  private readonly catalogs = new Map<string, Promise<Map<string, Map<string, ExistingKind>>>>();
  /** The catalogs listed so far, for synchronous answers during a render. */
  private readonly listed = new Map<string, Map<string, Map<string, ExistingKind>>>();
  /**
   * The schemas the run has asked about (a node of its own goes there): only those answer `peek`, as
   * when each was listed on its own — `adapter.get_relation` elsewhere still asks the catalog live,
   * so it sees what a hook created there since the listing.
   */
  private readonly asked = new Set<string>();

  constructor(private readonly executor: SqlExecutor) {}

  async kindOf(relation: RelationName): Promise<ExistingKind> {
    const listed = await this.schema(relation);
    return listed.get(relation.identifier.toLowerCase());
  }

  /** Without waiting: the kind, `null` when absent, `undefined` when the schema is not asked about and listed yet. */
  peek(database: string, schema: string, identifier: string): 'table' | 'view' | null | undefined {
    const catalog = this.listed.get(database.toLowerCase());
    if (!catalog || !this.asked.has(schemaKey(database, schema))) return undefined;
    return catalog.get(schema.toLowerCase())?.get(identifier.toLowerCase()) ?? null;
  }

  /** True when the run has seen a relation in the schema, so it exists. */
  async schemaExists(relation: RelationName): Promise<boolean> {
    return (await this.schema(relation)).size > 0;
  }

  /** After a successful materialization (a failed one rolled back: nothing to record). */
  async record(relation: RelationName, kind: ExistingKind): Promise<void> {
    const listed = await this.schema(relation);
    if (kind) listed.set(relation.identifier.toLowerCase(), kind);
    else listed.delete(relation.identifier.toLowerCase());
  }

  /** A relation the project's SQL dropped (`adapter.drop_relation`): absent from now on. */
  forgetRelation(database: string, schema: string, identifier: string): void {
    this.listed.get(database.toLowerCase())?.get(schema.toLowerCase())?.delete(identifier.toLowerCase());
  }

  /**
   * Drops every listing, so the next question lists again: with many writers (team mode) another
   * writer's commit can create or drop relations behind this run's back.
   */
  forget(): void {
    this.catalogs.clear();
    this.listed.clear();
    this.asked.clear();
  }

  /** The schema's relations, kept in its catalog's listing (an empty map, kept too, when it has none yet). */
  private async schema(relation: RelationName): Promise<Map<string, ExistingKind>> {
    const catalog = await this.catalog(relation.database);
    this.asked.add(schemaKey(relation.database, relation.schema));
    const key = relation.schema.toLowerCase();
    let listed = catalog.get(key);
    if (!listed) catalog.set(key, (listed = new Map()));
    return listed;
  }

  private catalog(database: string): Promise<Map<string, Map<string, ExistingKind>>> {
    const key = database.toLowerCase();
    let listed = this.catalogs.get(key);
    if (!listed) {
      listed = this.list(database).then((found) => {
        this.listed.set(key, found);
        return found;
      });
      this.catalogs.set(key, listed);
      // A failed listing is asked again next time rather than cached.
      listed.catch(() => this.catalogs.delete(key));
    }
    return listed;
  }

  /**
   * One query for the whole catalog, not one per schema: on DuckLake `information_schema.tables` walks
   * every table of the catalog whatever the filter, so each extra schema's listing cost a whole walk
   * (energy's 4 target schemas: 4 walks per run).
   */
  private async list(database: string): Promise<Map<string, Map<string, ExistingKind>>> {
    const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
    // Names compare case-insensitively, as DuckDB resolves them.
    const rows = await this.executor.rows<{ schema: string; name: string; type: string }>(
      `SELECT table_schema AS schema, table_name AS name, table_type AS type FROM information_schema.tables WHERE lower(table_catalog) = lower(${lit(database)})`,
    );
    const schemas = new Map<string, Map<string, ExistingKind>>();
    for (const r of rows) {
      const schema = String(r.schema).toLowerCase();
      let names = schemas.get(schema);
      if (!names) schemas.set(schema, (names = new Map()));
      names.set(String(r.name).toLowerCase(), String(r.type).toUpperCase() === 'VIEW' ? 'view' : 'table');
    }
    return schemas;
  }
}

function schemaKey(database: string, schema: string): string {
  return `${database.toLowerCase()}\u0000${schema.toLowerCase()}`;
}
