/**
 * The dbt-compatible model runners: the built-in one (in-process DuckDB with
 * the real ducklake extension, no Python) and the dbt CLI one (the user's own
 * dbt-duckdb). Both return a RunSummary.
 */
export {
  runModels,
  testModels,
  seedProject,
  snapshotProject,
  buildProject,
  executeProject,
  type RunOptions,
} from './runner';
export type { CatalogOverride, NodeResult, NodeStatus, RunCommand, RunEvent, RunSummary, NodeRef } from './types';
export {
  ModelCompileError,
  ModelRuntimeError,
  ProjectConfigError,
  UnsupportedFeatureError,
  locationOf,
  type SourceLocation,
} from './errors';
export { runWithDbtCli, dbtArguments, type DbtCliOptions } from './dbt-cli/runner';
export { progressReporter } from './progress-events';
