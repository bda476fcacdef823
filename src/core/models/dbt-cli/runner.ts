import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { CancelledError, LakehouseError } from '../../errors';
import type { ProjectRunOptions, RunCommand, RunEvent, RunSummary } from '../types';
import { DbtLogTranslator } from './log-events';
import { readDbtRunResults } from './run-results';

/**
 * The catalog override reaches dbt as LAKEHOUSE_CATALOG_PATH / LAKEHOUSE_DATA_PATH,
 * which the project's profiles.yml reads with env_var() (the examples do, with
 * override_data_path: true).
 */
export interface DbtCliOptions extends ProjectRunOptions {
  command?: RunCommand;
  /** The dbt executable (a path or a name on PATH); `dbt` when omitted. */
  dbtExecutable?: string;
  /** Passed as LAKEHOUSE_DUCKDB_EXTENSIONS so Python DuckDB loads the same binaries. */
  extensionDirectory?: string;
  /** Seconds between SIGINT and SIGKILL on cancel. */
  killGraceSeconds?: number;
}

/**
 * The second runner: the user's own `dbt <command> --log-format json`
 * (dbt-duckdb) as a child process. Its JSON log lines stream as progress
 * events; target/run_results.json gives the result, in the same shape as the
 * built-in runner's.
 */
export async function runWithDbtCli(options: DbtCliOptions): Promise<RunSummary> {
  const command = options.command ?? 'run';
  const executable = options.dbtExecutable || 'dbt';
  const args = dbtArguments(command, options);
  const env: Record<string, string | undefined> = {
    ...(options.env ?? process.env),
    DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
  };
  if (options.catalogOverride) {
    env.LAKEHOUSE_CATALOG_PATH = options.catalogOverride.catalogPath;
    env.LAKEHOUSE_DATA_PATH = options.catalogOverride.dataPath;
    if (options.catalogOverride.alias) env.LAKEHOUSE_CATALOG_ALIAS = options.catalogOverride.alias;
  }
  if (options.extensionDirectory) env.LAKEHOUSE_DUCKDB_EXTENSIONS = options.extensionDirectory;
  const emit = (event: RunEvent) => options.onEvent?.(event);
  const translator = new DbtLogTranslator(emit);
  const started = new Date();
  if (options.signal?.aborted) throw new CancelledError('dbt run');

  const exitCode = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(executable, args, { cwd: options.projectDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        translator.line(buffered.slice(0, newline));
        buffered = buffered.slice(newline + 1);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      // dbt stops cleanly on SIGINT (Ctrl-C); insist if it does not.
      child.kill('SIGINT');
      killTimer = setTimeout(() => child.kill('SIGKILL'), (options.killGraceSeconds ?? 10) * 1000);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (error: NodeJS.ErrnoException) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(
        error.code === 'ENOENT'
          ? new LakehouseError(
              'dbt-not-found',
              `The dbt executable '${executable}' was not found.`,
              "Install dbt-duckdb (pip install dbt-duckdb) or set the dbt path, or set 'lakehouse.runner' to 'builtin'.",
            )
          : error,
      );
    });
    child.on('close', (code) => {
      if (buffered.trim() !== '') translator.line(buffered);
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      resolve(code);
    });
  });

  if (options.signal?.aborted) throw new CancelledError('dbt run');
  const runResults = readDbtRunResults(options.projectDir, 'target', new Date(started.getTime() - 1000));
  if (!runResults) {
    throw new LakehouseError(
      'dbt-failed',
      `dbt ${command} exited with code ${exitCode} before running any node${translator.errors.length ? `: ${translator.errors.join(' ')}` : '.'}`,
      'Run the same dbt command in a terminal in the project folder to see its full output.',
    );
  }
  const results = runResults.results.filter((r) => r.resourceType !== 'operation');
  return {
    command,
    runner: 'dbt',
    results,
    elapsedTime: runResults.elapsedTime || (Date.now() - started.getTime()) / 1000,
    success: exitCode === 0 && results.every((r) => r.status !== 'error' && r.status !== 'fail'),
    invocationId: runResults.invocationId || randomUUID(),
    runResultsPath: `${options.projectDir}/target/run_results.json`,
  };
}

export function dbtArguments(command: RunCommand, options: Omit<DbtCliOptions, 'command'>): string[] {
  const args = [command, '--log-format', 'json', '--project-dir', options.projectDir];
  // Without a folder dbt looks in the project (its working directory), then ~/.dbt.
  if (options.profilesDir) args.push('--profiles-dir', options.profilesDir);
  if (options.target) args.push('--target', options.target);
  if (options.select?.length) args.push('--select', ...options.select);
  if (options.exclude?.length) args.push('--exclude', ...options.exclude);
  if (options.fullRefresh && command !== 'test') args.push('--full-refresh');
  if (options.vars && Object.keys(options.vars).length > 0) args.push('--vars', JSON.stringify(options.vars));
  return args;
}
