import { LazyDuckDBSession } from '../src/core/lake/lazySession';
import { buildProject } from '../src/core/models';
import { statementRecorder } from './floor-replay';

export interface BuildOutcome {
  success: boolean;
  /** Node count per status (success, pass, error, fail, skipped, warn). */
  statuses: Record<string, number>;
  /** Nodes that did not end in success or pass, with their message. */
  problems: Array<{ name: string; status: string; message: string }>;
}

/**
 * `dbt build` with the built-in runner, set up the way dbt-duckdb sets up its
 * DuckDB: in memory, DuckDB's default threads and memory limit, the extension
 * folder from LAKEHOUSE_DUCKDB_EXTENSIONS; opened when the run asks for it, as
 * `lakehouse run` does. The profile reads the catalog paths
 * from the environment, exactly as it does for the dbt side.
 */
export async function builtinBuild(projectDir: string, vars: Record<string, unknown>): Promise<BuildOutcome> {
  const extensionDirectory = process.env.LAKEHOUSE_DUCKDB_EXTENSIONS;
  const session = LazyDuckDBSession.of(extensionDirectory ? { extensionDirectory } : {});
  // The floor side replays what this run sent (bench/floor-replay.ts).
  const recorder = statementRecorder(process.env.LAKEHOUSE_BENCH_STATEMENTS);
  try {
    const summary = await buildProject({
      projectDir,
      session,
      vars,
      env: process.env,
      // The bench's "before" side: every model runs (as --no-skip-unchanged).
      skipUnchanged: process.env.LAKEHOUSE_BENCH_SKIP_UNCHANGED !== '0',
      ...(recorder.listener ? { onStatement: recorder.listener } : {}),
    });
    recorder.save();
    const statuses: Record<string, number> = {};
    for (const r of summary.results) {
      const status = r.unchanged ? 'unchanged' : r.status;
      statuses[status] = (statuses[status] ?? 0) + 1;
    }
    const problems = summary.results
      .filter((r) => r.status !== 'success' && r.status !== 'pass' && !r.unchanged)
      .map((r) => ({ name: r.name, status: r.status, message: r.message }));
    return { success: summary.success && problems.length === 0, statuses, problems };
  } finally {
    await session.close();
  }
}
