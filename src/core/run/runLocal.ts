import type { DuckDBOptions } from '../lake/duckdb';
import { LazyDuckDBSession } from '../lake/lazySession';
import { executeProject, runWithDbtCli, type RunCommand, type RunEvent, type RunSummary } from '../models';
import type { RunnerKind } from './runOnLakehouse';

/** What every way of running a project takes: the project, the dbt command and its selection flags. */
export interface ProjectInvocation {
  duckdb: DuckDBOptions;
  projectDir: string;
  command?: RunCommand;
  target?: string;
  select?: string[];
  exclude?: string[];
  fullRefresh?: boolean;
  /** Skip models provably unchanged since their last run (default true). */
  skipUnchanged?: boolean;
  vars?: Record<string, unknown>;
  signal?: AbortSignal;
  onEvent?: (event: RunEvent) => void;
}

export interface RunLocallyOptions extends ProjectInvocation {
  runner?: RunnerKind;
  dbtExecutable?: string;
}

/**
 * No lakehouse configured: run the project against its own profile target,
 * writing where the profile says (a .duckdb file, a local DuckLake), as `dbt run`
 * would. Nothing is pulled or published.
 */
export async function runLocally(options: RunLocallyOptions): Promise<RunSummary> {
  const common = {
    projectDir: options.projectDir,
    target: options.target,
    select: options.select,
    exclude: options.exclude,
    fullRefresh: options.fullRefresh,
    skipUnchanged: options.skipUnchanged,
    vars: options.vars,
    signal: options.signal,
    onEvent: options.onEvent,
  };
  if ((options.runner ?? 'builtin') === 'dbt') {
    return runWithDbtCli({
      ...common,
      command: options.command ?? 'run',
      dbtExecutable: options.dbtExecutable,
      extensionDirectory: options.duckdb.extensionDirectory,
    });
  }
  // Opened on first use: a run whose every node is unchanged never loads DuckDB.
  const session = LazyDuckDBSession.of(options.duckdb);
  try {
    return await executeProject(options.command ?? 'run', { ...common, session });
  } finally {
    await session.close();
  }
}
