import type { ExistingKind } from './materializations';
import type { SqlExecutor } from './sql-executor';
import type { RelationName } from './types';

/**
 * What already exists in the target schemas, as dbt's relation cache keeps
 * it: each schema is listed once per run, then the runner records what its
 * own materializations create. Asking the catalog per node cost one
 * `information_schema.tables` query each, and on DuckLake that query walks
 * every table of the catalog (≈1 s at 120 tables on a loaded 2-core machine),
 * so a long run got slower with every table it added.
 */
export class RelationCache {
  private readonly schemas = new Map<string, Promise<Map<string, ExistingKind>>>();
  /** The schemas listed so far, for synchronous answers during a render. */
  private readonly listed = new Map<string, Map<string, ExistingKind>>();

  constructor(private readonly executor: SqlExecutor) {}

  async kindOf(relation: RelationName): Promise<ExistingKind> {
    const listed = await this.schema(relation);
    return listed.get(relation.identifier.toLowerCase());
  }

  /** Without waiting: the kind, `null` when absent, `undefined` when the schema is not listed yet. */
  peek(database: string, schema: string, identifier: string): 'table' | 'view' | null | undefined {
    const listed = this.listed.get(schemaKey(database, schema));
    if (!listed) return undefined;
    return listed.get(identifier.toLowerCase()) ?? null;
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
    this.listed.get(schemaKey(database, schema))?.delete(identifier.toLowerCase());
  }

  /**
   * Drops every listing, so the next question lists again: with many writers (team mode) another
   * writer's commit can create or drop relations behind this run's back.
   */
  forget(): void {
    this.schemas.clear();
    this.listed.clear();
  }

  private schema(relation: RelationName): Promise<Map<string, ExistingKind>> {
    const key = schemaKey(relation.database, relation.schema);
    let listed = this.schemas.get(key);
    if (!listed) {
      listed = this.list(relation.database, relation.schema).then((found) => {
        this.listed.set(key, found);
        return found;
      });
      this.schemas.set(key, listed);
      // A failed listing is asked again next time rather than cached.
      listed.catch(() => this.schemas.delete(key));
    }
    return listed;
  }

  private async list(database: string, schema: string): Promise<Map<string, ExistingKind>> {
    const lit = (s: string) => `'${s.replace(/'/g, "''")}'`;
    // Names compare case-insensitively, as DuckDB resolves them.
    const rows = await this.executor.rows<{ name: string; type: string }>(
      `SELECT table_name AS name, table_type AS type FROM information_schema.tables WHERE lower(table_catalog) = lower(${lit(database)}) AND lower(table_schema) = lower(${lit(schema)})`,
    );
    return new Map(
      rows.map((r) => [String(r.name).toLowerCase(), String(r.type).toUpperCase() === 'VIEW' ? 'view' : 'table']),
    );
  }
}

function schemaKey(database: string, schema: string): string {
  return `${database.toLowerCase()}\u0000${schema.toLowerCase()}`;
}
