import { LakehouseError } from '../errors';

/** Where an error points: a project file and a 1-based line (column when known). */
export interface SourceLocation {
  /** Absolute path of the file. */
  file: string;
  line: number;
  column?: number;
}

export const DBT_RUNNER_HINT = "Set 'lakehouse.runner' to 'dbt' to run this project with your own dbt-duckdb.";

/** A problem found while loading or rendering the project, before any SQL ran. */
export class ModelCompileError extends LakehouseError {
  constructor(
    message: string,
    readonly location: SourceLocation | undefined,
    hint?: string,
    options?: { cause?: unknown },
  ) {
    super('model-compile', withLocation(message, location), hint, options);
  }
}

/** Something dbt can do that the built-in runner does not; the hint points at the dbt CLI runner. */
export class UnsupportedFeatureError extends LakehouseError {
  constructor(
    feature: string,
    readonly location: SourceLocation | undefined,
    detail?: string,
  ) {
    super(
      'model-unsupported',
      withLocation(`${feature} is not supported by the built-in runner${detail ? `: ${detail}` : '.'}`, location),
      DBT_RUNNER_HINT,
    );
  }
}

/** DuckDB rejected the compiled SQL of a node. */
export class ModelRuntimeError extends LakehouseError {
  constructor(
    message: string,
    readonly location: SourceLocation | undefined,
    hint?: string,
    options?: { cause?: unknown },
  ) {
    super('model-runtime', withLocation(message, location), hint, options);
  }
}

/** dbt_project.yml, profiles.yml or a schema.yml is missing or malformed. */
export class ProjectConfigError extends LakehouseError {
  constructor(
    message: string,
    readonly location?: SourceLocation,
    hint?: string,
  ) {
    super('model-project', withLocation(message, location), hint);
  }
}

export type ModelError = ModelCompileError | UnsupportedFeatureError | ModelRuntimeError | ProjectConfigError;

export function locationOf(error: unknown): SourceLocation | undefined {
  if (
    error instanceof ModelCompileError ||
    error instanceof UnsupportedFeatureError ||
    error instanceof ModelRuntimeError ||
    error instanceof ProjectConfigError
  ) {
    return error.location;
  }
  return undefined;
}

function withLocation(message: string, location: SourceLocation | undefined): string {
  if (!location) return message;
  return `${location.file}:${location.line}${location.column ? `:${location.column}` : ''}: ${message}`;
}
