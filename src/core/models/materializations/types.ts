import type { SqlExecutor } from '../sql-executor';
import type { ManifestNode, RelationName } from '../types';

export type ExistingKind = 'table' | 'view' | undefined;

/** What a materialization gets: the node, its compiled SQL, where it goes and what is there now. */
export interface MaterializeInput {
  node: ManifestNode;
  relation: RelationName;
  compiledSql: string;
  executor: SqlExecutor;
  existing: ExistingKind;
  /** The target schema is known to exist (the run built into it): no CREATE SCHEMA, which walks the catalog on DuckLake. */
  schemaExists?: boolean;
  /** --full-refresh, after the node's own `full_refresh` config. */
  fullRefresh: boolean;
  /** Rendered pre-hooks and post-hooks, run inside the transaction. */
  preHooks: string[];
  postHooks: string[];
}

export interface MaterializeResult {
  rowsAffected?: number;
  /** dbt-style adapter message: `OK`, `CREATE TABLE (12)`, `INSERT 5`. */
  message: string;
}
