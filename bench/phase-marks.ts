// Where one `build` (or `run`) spends its time: process start → bundle loaded → project parsed
// (YAML, Jinja compile of every node) → each node (DuckDB is opened and set up as in the CLI: at
// the run's start when it will surely send SQL, else on the first statement; `duckdbOpens` says
// whether it was). The project is parsed before the run here, so DuckDB's start does not overlap it. Printed as JSON; used to write docs/RUNNER.md's "Where a no-op run's time goes".
import { performance } from 'node:perf_hooks';
const loaded = performance.now();
import { randomUUID } from 'node:crypto';
import { DuckDBSession } from '../src/core/lake/duckdb';
import { LazyDuckDBSession } from '../src/core/lake/lazySession';
import { executeProject } from '../src/core/models';
import { parseRun } from '../src/core/models/parse-run';

export async function phaseMarks(
  projectDir: string,
  command: 'run' | 'build' = 'build',
): Promise<Record<string, unknown>> {
  const marks: Array<[string, number]> = [['bundle loaded', loaded]];
  const mark = (name: string) => marks.push([name, performance.now()]);
  const started = Date.now();
  const parsed = await parseRun({ projectDir, env: process.env }, randomUUID(), started);
  mark('project parsed');
  const extensionDirectory = process.env.LAKEHOUSE_DUCKDB_EXTENSIONS;
  const session = new LazyDuckDBSession(() => DuckDBSession.open(extensionDirectory ? { extensionDirectory } : {}));
  const nodes: Record<string, number> = {};
  let first = true;
  let startedAt = 0;
  try {
    await executeProject(command, {
      projectDir,
      session,
      env: process.env,
      parsed,
      skipUnchanged: process.env.LAKEHOUSE_BENCH_SKIP_UNCHANGED !== '0',
      onEvent: (e) => {
        if (e.kind === 'started') {
          if (first) mark('to the first node (on-run-start hooks)');
          first = false;
          startedAt = performance.now();
        }
        if (e.kind === 'succeeded' || e.kind === 'failed' || e.kind === 'skipped') {
          const label = `${e.node.resourceType} ${e.node.name}${e.kind === 'skipped' && e.unchanged ? ' (unchanged)' : ''}`;
          nodes[label] = Math.round(performance.now() - startedAt);
        }
      },
    });
    mark('nodes done');
  } finally {
    await session.close();
  }
  mark('closed');
  const phases: Record<string, number> = {};
  let previous = 0;
  for (const [name, t] of marks) {
    phases[name] = Math.round(t - previous);
    previous = t;
  }
  return { phasesMs: phases, totalMs: Math.round(performance.now()), nodesMs: nodes, duckdbOpens: session.opens };
}
