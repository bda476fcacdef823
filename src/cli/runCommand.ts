import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { CONFIG_FILE } from '../core/config/lakehouseConfig';
import { LakehouseError } from '../core/errors';
import { LocalMirror } from '../core/lake/localMirror';
import type { RunEvent, RunSummary } from '../core/models';
import { RunFailedError, runOnLakehouse, type RunnerKind } from '../core/run/runOnLakehouse';
import { runLocally } from '../core/run/runLocal';
import { formatRunSummary } from '../core/run/summary';
import { cliDuckDBOptions, openCliLakehouse, resolveLakehouse, type CliEnv } from './context';
import { runTeamCli } from './teamRun';
import { describePublish } from './lakeCommands';
import type { Output } from './output';

type Run = (work: (out: Output) => Promise<void>, json: boolean | undefined) => Promise<void>;

interface RunOpts {
  select?: string[];
  exclude?: string[];
  fullRefresh?: boolean;
  skipUnchanged?: boolean;
  publish?: boolean;
  keepLocal?: boolean;
  runner: RunnerKind;
  dbt?: string;
  project?: string;
  target?: string;
  vars?: string;
  catalog?: string;
  holder?: string;
  json?: boolean;
}

export function registerRunCommands(program: Command, cli: CliEnv, run: Run): void {
  for (const command of ['run', 'test', 'build', 'seed', 'snapshot'] as const) {
    const verb = program
      .command(command)
      .description(
        {
          run: 'pull, then run the project’s models in-process against the local catalog (dbt-compatible)',
          test: 'pull, then run the project’s data tests',
          build: 'pull, then seeds, models and tests in one DAG',
          seed: 'pull, then load the project’s seeds',
          snapshot: 'pull, then record the project’s snapshots (timestamp and check strategies)',
        }[command],
      )
      .argument('[lakehouse]', 'location URI or a name from lakehouse.yml (none and no lakehouse.yml: run locally)')
      .option('-s, --select <selector...>', 'name, +name, name+, tag:x, path:models/x')
      .option('--exclude <selector...>', 'leave these out')
      .option('--full-refresh', 'rebuild incremental models from scratch')
      .option('--no-skip-unchanged', 'run every model and test, even those provably unchanged since their last run')
      .option('--runner <kind>', 'builtin (no Python) or dbt (your dbt-duckdb)', 'builtin')
      .option('--dbt <path>', 'dbt executable for --runner dbt', 'dbt')
      .option('--project <dir>', 'dbt project folder (default: lakehouse.yml `project`, else the current folder)')
      .option('--target <name>', 'profiles.yml target')
      .option('--vars <json>', 'project variables as JSON')
      .option('--catalog <path>', 'catalog path inside the lakehouse')
      .option('--holder <name>', 'name stamped on the lease')
      .option('--json', 'print JSON');
    if (command !== 'test')
      verb
        .option(
          '--publish',
          'hold the lease from pull to upload and publish if everything succeeded (scheduled pipelines)',
        )
        .option(
          '--keep-local',
          'with --publish: start from the local catalog’s unpublished changes instead of the remote catalog',
        );
    verb.action((arg: string | undefined, opts: RunOpts) =>
      run(async (out) => {
        if (opts.runner !== 'builtin' && opts.runner !== 'dbt')
          throw new LakehouseError('usage', `--runner must be builtin or dbt, not '${opts.runner}'.`);
        const controller = new AbortController();
        process.once('SIGINT', () => controller.abort());
        if (!arg && !existsSync(join(cli.cwd, CONFIG_FILE))) {
          await runWithoutLakehouse(command, opts, cli, out, controller.signal);
          return;
        }
        const team = resolveLakehouse(arg, opts, cli);
        if (team.catalogStore?.kind === 'postgres') {
          const options = { ...opts, vars: parseVars(opts.vars) };
          await runTeamCli(
            team,
            command,
            options,
            cli,
            out,
            controller.signal,
            (e) => !out.json && describeEvent(e, out),
          );
          return;
        }
        const { entry, duckdb, store, guard } = await openCliLakehouse(arg, opts, cli);
        const result = await runOnLakehouse({
          entry,
          store,
          guard,
          mirror: LocalMirror.forLakehouse(cli.cwd, entry.name),
          duckdb,
          projectDir: resolve(cli.cwd, opts.project ?? entry.project ?? '.'),
          command,
          runner: opts.runner,
          dbtExecutable: opts.dbt,
          target: opts.target,
          select: opts.select,
          exclude: opts.exclude,
          fullRefresh: opts.fullRefresh,
          skipUnchanged: opts.skipUnchanged,
          vars: parseVars(opts.vars),
          publish: opts.publish,
          keepLocalChanges: opts.keepLocal,
          signal: controller.signal,
          onEvent: (event) => !out.json && describeEvent(event, out),
        });
        const text = [];
        if (result.finishedEarlierPublish)
          text.push(
            `Finished the publish an interrupted run left: ${describePublish(entry, result.finishedEarlierPublish)}`,
          );
        text.push(describeStart(result.start), formatRunSummary(result.run));
        if (result.publish) text.push(describePublish(entry, result.publish));
        if (result.publishSkipped) text.push(`Not published: ${result.publishSkipped}.`);
        out.result(text.join('\n'), {
          ok: result.run.success,
          run: stripErrors(result.run),
          pull: result.pull,
          publish: result.publish,
          publishSkipped: result.publishSkipped,
          start: result.start,
          finishedEarlierPublish: result.finishedEarlierPublish,
        });
        if (!result.run.success) throw new RunFailedError(result.run);
      }, opts.json),
    );
  }
}

/** Zero setup: no lakehouse given and no lakehouse.yml, so the project runs on its own profile target, like dbt. */
async function runWithoutLakehouse(
  command: 'run' | 'test' | 'build' | 'seed' | 'snapshot',
  opts: RunOpts,
  cli: CliEnv,
  out: Output,
  signal: AbortSignal,
): Promise<void> {
  if (opts.publish)
    throw new LakehouseError(
      'usage',
      `--publish needs a lakehouse, and there is no ${CONFIG_FILE} in ${cli.cwd}.`,
      'Run `lakehouse init <location>` here, or name a location: lakehouse run azurite://… --publish.',
    );
  const projectDir = resolve(cli.cwd, opts.project ?? '.');
  if (!out.json)
    out.info(`No ${CONFIG_FILE} here: running ${projectDir} on its own profile target (nothing pulled or published).`);
  const summary = await runLocally({
    duckdb: cliDuckDBOptions(cli),
    projectDir,
    command,
    runner: opts.runner,
    dbtExecutable: opts.dbt,
    target: opts.target,
    select: opts.select,
    exclude: opts.exclude,
    fullRefresh: opts.fullRefresh,
    skipUnchanged: opts.skipUnchanged,
    vars: parseVars(opts.vars),
    signal,
    onEvent: (event) => !out.json && describeEvent(event, out),
  });
  out.result(formatRunSummary(summary), { ok: summary.success, local: true, run: stripErrors(summary) });
  if (!summary.success) throw new RunFailedError(summary);
}

/** Which catalog the run started from, so a discarded or kept partial run is never silent. */
function describeStart(start: 'remote' | 'remote-discarded-local' | 'local-changes'): string {
  if (start === 'remote-discarded-local')
    return 'Started from the remote catalog; unpublished local changes (an earlier failed or interrupted run) were discarded.';
  if (start === 'local-changes') return 'Started from the local catalog, keeping its unpublished changes.';
  return 'Started from the remote catalog.';
}

function parseVars(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new LakehouseError('usage', `--vars must be a JSON object, e.g. '{"start_date": "2026-01-01"}'.`);
}

function describeEvent(event: RunEvent, out: Output): void {
  const at = (e: { index: number; total: number }) =>
    `${String(e.index + 1).padStart(String(e.total).length)}/${e.total}`;
  switch (event.kind) {
    case 'started':
      out.info(`  ${at(event)} START ${event.node.name}`);
      break;
    case 'succeeded':
      out.info(
        `  ${at(event)} ${event.status.toUpperCase().padEnd(5)} ${event.node.name}  ${event.message} in ${event.seconds.toFixed(2)} s`,
      );
      break;
    case 'failed':
      out.info(`  ${at(event)} ${event.status.toUpperCase().padEnd(5)} ${event.node.name}: ${event.error.message}`);
      break;
    case 'skipped':
      out.info(`  ${at(event)} ${event.unchanged ? 'UNCHANGED' : 'SKIP '} ${event.node.name}: ${event.reason}`);
      break;
    case 'log':
      out.info(`  ${event.message}`);
      break;
  }
}

/** Error objects do not serialize; keep their messages. */
function stripErrors(summary: RunSummary) {
  return {
    ...summary,
    results: summary.results.map(({ error, compiledCode: _c, ...rest }) => ({ ...rest, error: error?.message })),
  };
}
