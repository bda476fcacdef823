import type { ExternalLocation } from './external-source';
/** Shapes shared by the project loader, the graph, the runners and the artifacts. */
import type { UnitTestSpec } from './unit-tests/spec';
import type { TableLayout } from '../lake/layout';

export type Materialization = 'view' | 'table' | 'incremental' | 'ephemeral';
export type IncrementalStrategy = 'append' | 'delete+insert' | 'merge';
export type ResourceType = 'model' | 'seed' | 'snapshot' | 'test' | 'unit_test' | 'operation';

/** Resolved config of one node (dbt's `config`): project folders < schema.yml < in-file `config()`. */
export interface NodeConfig {
  materialized?: string;
  schema?: string;
  database?: string;
  alias?: string;
  tags: string[];
  enabled: boolean;
  pre_hook: string[];
  post_hook: string[];
  unique_key?: string | string[];
  incremental_strategy?: string;
  full_refresh?: boolean;
  on_schema_change?: string;
  column_types?: Record<string, string>;
  severity?: string;
  /** Everything else the user set; `config.get()` reads it. */
  [key: string]: unknown;
}

export interface ColumnTestSpec {
  /** `not_null`, `unique`, `accepted_values`, `relationships`, or an unsupported name. */
  name: string;
  args: Record<string, unknown>;
  config: Record<string, unknown>;
}

export interface ColumnSpec {
  name: string;
  description?: string;
  tests: ColumnTestSpec[];
  /** `data_type:` (an enforced contract's column type). */
  dataType?: string;
  /** `constraints:` entries as written (an enforced contract's DDL). */
  constraints?: Record<string, unknown>[];
  /** `quote: true`: the name is quoted in the contract's DDL. */
  quote?: boolean;
}

/** What a schema.yml says about one model or seed. */
export interface ResourcePatch {
  name: string;
  description?: string;
  config: Record<string, unknown>;
  columns: ColumnSpec[];
  /** Model-level generic tests (`tests:` under the model). */
  tests: ColumnTestSpec[];
  /** Model-level `constraints:` as written (an enforced contract's DDL). */
  constraints?: Record<string, unknown>[];
  file: string;
}

export interface SourceTable {
  sourceName: string;
  name: string;
  database?: string;
  schema: string;
  identifier: string;
  columns: ColumnSpec[];
  tests: ColumnTestSpec[];
  file: string;
  /** dbt-duckdb's `external_location` (with its formatter and the source's meta): source() renders it. */
  external?: ExternalLocation;
}

/** A file-backed node before rendering: a model, a seed or a singular test. */
export interface ProjectFile {
  /** Absolute path. */
  path: string;
  /** Path relative to the project root, with forward slashes (`models/staging/stg_x.sql`). */
  relativePath: string;
  /** Path relative to its resource folder (`staging/stg_x.sql`). */
  resourcePath: string;
  /** Folder parts under the resource folder, for config blocks (`['staging']`). */
  fqnFolders: string[];
  name: string;
  raw: string;
  /** The dbt package the file belongs to; absent for the root project. */
  packageName?: string;
  /** Where the node starts in the file, when it is a block of it (a `{% snapshot %}`). */
  line?: number;
}

export interface RelationName {
  database: string;
  schema: string;
  identifier: string;
}

/** A node of the manifest, after the parse render found its refs, sources and config. */
export interface ManifestNode {
  uniqueId: string;
  resourceType: ResourceType;
  name: string;
  file?: ProjectFile;
  config: NodeConfig;
  /** unique ids this node depends on (models, seeds, sources). */
  dependsOn: string[];
  relation?: RelationName;
  /** Generic tests: the test definition. */
  test?: GenericTestInstance;
  /** Source nodes of tests (sources are not run but may be depended on). */
  fqn: string[];
  /** Files that set this node's config, for locating refusals (snapshots). */
  configFiles?: string[];
  /** dbt unit tests: the YAML entry and what each of its inputs stands for. */
  unitTest?: UnitTestInstance;
  /** A model with `contract: {enforced: true}`: its declared columns and constraints, and where they are. */
  contract?: { columns: ColumnSpec[]; constraints: Record<string, unknown>[]; file?: string };
}

/** A `unit_tests:` entry resolved against the manifest (dbt does this at parse time). */
export interface UnitTestInstance {
  spec: UnitTestSpec;
  /** The model under test. */
  modelId: string;
  /** One per `given`, in order: the node or source it replaces, its name and its relation's identifier. */
  inputs: Array<{ uniqueId: string; name: string; identifier: string; relation?: RelationName; seedFile?: string }>;
}

export interface GenericTestInstance {
  testName: string;
  /** The model, seed or source the test is attached to. */
  attachedTo: string;
  column?: string;
  args: Record<string, unknown>;
  /** The schema.yml the test came from (errors point here). */
  file: string;
  /** The compiled file's name without `.sql`: dbt's short form of a long test name. */
  fileStem?: string;
}

export type NodeStatus = 'success' | 'error' | 'skipped' | 'pass' | 'fail' | 'warn';

export interface NodeResult {
  uniqueId: string;
  name: string;
  resourceType: ResourceType;
  status: NodeStatus;
  /** Seconds. */
  executionTime: number;
  rowsAffected?: number;
  /** Test failures (rows returned by the test query). */
  failures?: number;
  message: string;
  relationName?: string;
  compiledPath?: string;
  compiledCode?: string;
  error?: Error;
  startedAt: string;
  completedAt: string;
  /** Skipped (status `skipped`) because it was provably unchanged since its last run, not because of a failure. */
  unchanged?: boolean;
}

export interface RunSummary {
  command: RunCommand;
  runner: 'builtin' | 'dbt';
  results: NodeResult[];
  /** Seconds for the whole invocation. */
  elapsedTime: number;
  success: boolean;
  invocationId: string;
  runResultsPath?: string;
}

export type RunCommand = 'run' | 'seed' | 'snapshot' | 'test' | 'build';

/**
 * What a run reports as it goes. `index` is the node's 0-based position in the
 * run (shown as `index + 1` of `total`); the built-in and dbt CLI runners agree.
 */
export type RunEvent =
  | { kind: 'started'; node: NodeRef; index: number; total: number }
  | {
      kind: 'succeeded';
      node: NodeRef;
      index: number;
      total: number;
      rows?: number;
      seconds: number;
      status: NodeStatus;
      message: string;
    }
  | { kind: 'failed'; node: NodeRef; index: number; total: number; seconds: number; error: Error; status: NodeStatus }
  | { kind: 'skipped'; node: NodeRef; index: number; total: number; reason: string; unchanged?: boolean }
  | { kind: 'log'; message: string; node?: NodeRef };

export interface NodeRef {
  uniqueId: string;
  name: string;
  resourceType: ResourceType;
  /** Project-relative file, when the node has one. */
  file?: string;
}

/** Replaces the DuckLake attach of the profile: the product runs against a pulled copy of metadata.db. */
export interface CatalogOverride {
  /** Which attach to replace; the profile's only ducklake attach when omitted. */
  alias?: string;
  /** Local path of the catalog (a SQLite metadata.db). */
  catalogPath: string;
  /** Local mirror folder used as DATA_PATH (attached with OVERRIDE_DATA_PATH true). */
  dataPath: string;
  /** The whole `ducklake:…` attach path when the catalog is not a local file (team mode: `ducklake:postgres:…`). */
  attachPath?: string;
  /** More ATTACH options (team mode: DATA_INLINING_ROW_LIMIT 0, so every row reaches Parquet for Delta). */
  attachOptions?: Record<string, unknown>;
  /** The lakehouse's Parquet layout, written into the catalog's options before the models run. */
  layout?: TableLayout;
}

/**
 * How each node's transaction commits to a catalog with many writers (team
 * mode): stamped with an author, and retried when DuckLake reports a conflict
 * with another writer's commit.
 */
export interface CommitPolicy {
  author: string;
  message: string;
  /** How many times a node that lost a commit race is run again. */
  conflictRetries: number;
  /** Called once per retried conflict, for the run's log and counts. */
  onConflict?: (node: string, attempt: number, message: string) => void;
  /** Testing aid: runs just before each node's COMMIT. */
  beforeCommit?: (node: string) => Promise<void>;
}

/** What both runners (built-in and dbt CLI) take: the project, dbt's selection flags and the catalog override. */
export interface ProjectRunOptions {
  projectDir: string;
  /** profiles.yml target; the profile's default otherwise. */
  target?: string;
  /** Folder of profiles.yml; else DBT_PROFILES_DIR, the project folder, ~/.dbt. */
  profilesDir?: string;
  select?: string[];
  exclude?: string[];
  fullRefresh?: boolean;
  /** --vars. */
  vars?: Record<string, unknown>;
  /** Point the profile's DuckLake attach at a pulled catalog and a local mirror. */
  catalogOverride?: CatalogOverride;
  /** Team mode: author stamped on each commit, conflicts retried. */
  commitPolicy?: CommitPolicy;
  /** Environment for env_var(); process.env when omitted. */
  env?: Readonly<Record<string, string | undefined>>;
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
  /** Skip table and incremental models provably unchanged since their last run (default true; never with fullRefresh). */
  skipUnchanged?: boolean;
}
