// The things compared: the built-in runner in its own Node process, real
// `dbt build` (dbt-duckdb) as a user runs it, and the floor (the SQL the
// built-in run sent, replayed by one DuckDB process). The two runners are
// checked the same way afterwards: exit code 0 and every node in
// target/run_results.json ended in success or pass.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { timedChild } from './timed-child.mjs';

export const PEER_VENV = process.env.LAKEHOUSE_PEER_VENV ?? join(homedir(), '.cache', 'lakehouse-dev', 'py-peers');
export const DBT = join(PEER_VENV, 'bin', 'dbt');
export const RUNNER = join(import.meta.dirname, '..', '..', 'dist', 'bench', 'runners.js');

export const SIDES = {
  builtin: {
    label: 'built-in',
    command: (ws, vars) => [process.execPath, [RUNNER, 'build', ws.projectDir, JSON.stringify(vars)]],
  },
  dbt: {
    label: 'dbt',
    command: (ws, vars) => [
      DBT,
      [
        'build',
        '--project-dir',
        ws.projectDir,
        '--profiles-dir',
        ws.projectDir,
        ...(Object.keys(vars).length ? ['--vars', JSON.stringify(vars)] : []),
      ],
    ],
  },
};

/** The statements file the built-in side of `step` writes and the floor replays. */
export function statementsFile(ws, step) {
  return join(ws.logDir, `${step}.statements.json`);
}

/** One timed floor replay of the built-in side's statements of `step` (recorded in `builtinWs`). */
export async function timedFloor(ws, builtinWs, label) {
  const run = await timedChild(process.execPath, [RUNNER, 'floor', ws.projectDir, statementsFile(builtinWs, label)], {
    cwd: ws.projectDir,
    env: ws.env,
    logDir: ws.logDir,
    label,
  });
  if (run.code !== 0)
    throw new Error(
      `floor ${label} failed: exit code ${run.code}\nlog: ${join(ws.logDir, `${label}.log`)}\n${run.output.slice(-3000)}`,
    );
  return { seconds: run.seconds, cpuSeconds: run.cpuSeconds, maxRssMb: run.maxRssMb, load1: run.load1 };
}

/** One timed `build` of one side; throws (with the log's tail) unless every node succeeded. */
export async function timedBuild(sideName, ws, vars, label) {
  const runResults = join(ws.projectDir, 'target', 'run_results.json');
  rmSync(runResults, { force: true });
  const [command, args] = SIDES[sideName].command(ws, vars);
  // The built-in side records what it sends, for the floor (a few MB at most, written once at the end).
  const env = sideName === 'builtin' ? { ...ws.env, LAKEHOUSE_BENCH_STATEMENTS: statementsFile(ws, label) } : ws.env;
  const run = await timedChild(command, args, { cwd: ws.projectDir, env, logDir: ws.logDir, label });
  const fail = (why) =>
    new Error(
      `${SIDES[sideName].label} ${label} failed: ${why}\nlog: ${join(ws.logDir, `${label}.log`)}\n${run.output.slice(-3000)}`,
    );
  if (run.code !== 0) throw fail(`exit code ${run.code}`);
  if (!existsSync(runResults)) throw fail('no target/run_results.json');
  const results = JSON.parse(readFileSync(runResults, 'utf8')).results;
  // A model the built-in runner skipped as provably unchanged is a success (its rows are checked like the rest).
  const unchanged = (r) => r.status === 'skipped' && /^unchanged since run /.test(r.message ?? '');
  const bad = results.filter((r) => r.status !== 'success' && r.status !== 'pass' && !unchanged(r));
  if (bad.length) throw fail(bad.map((r) => `${r.unique_id}: ${r.status} ${r.message ?? ''}`).join('\n'));
  // dbt also lists on-run-start/end hooks as `operation.*` results; the built-in runner does not.
  const nodes = results.filter((r) => !r.unique_id.startsWith('operation.'));
  if (nodes.length === 0) throw fail('no nodes ran');
  const statuses = {};
  for (const r of nodes) {
    const status = unchanged(r) ? 'unchanged' : r.status;
    statuses[status] = (statuses[status] ?? 0) + 1;
  }
  return {
    seconds: run.seconds,
    cpuSeconds: run.cpuSeconds,
    maxRssMb: run.maxRssMb,
    load1: run.load1,
    nodes: nodes.length,
    statuses,
  };
}
