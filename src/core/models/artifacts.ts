import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { NodeResult, RunSummary } from './types';

/** dbt 1.x run_results.json (schema v6) as far as tools read it. */
export const RUN_RESULTS_SCHEMA = 'https://schemas.getdbt.com/dbt/run-results/v6.json';
/** The dbt version whose artifact shapes these follow. */
export const DBT_COMPAT_VERSION = '1.11.0';

export interface ArtifactPaths {
  projectRoot: string;
  targetPath: string;
  projectName: string;
}

/** `target/compiled/<project>/<file path>` (generic tests: `<schema.yml path>/<test name>.sql`), as dbt writes it. */
export function compiledPathFor(paths: ArtifactPaths, relativeFile: string): string {
  return join(paths.projectRoot, paths.targetPath, 'compiled', paths.projectName, relativeFile);
}

export function writeCompiled(paths: ArtifactPaths, relativeFile: string, sql: string): string {
  const file = compiledPathFor(paths, relativeFile);
  const text = sql.endsWith('\n') ? sql : `${sql}\n`;
  // A re-run mostly compiles what it compiled last time: reading is far cheaper than rewriting (~4 ms a file here).
  if (sameText(file, text)) return file;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** Whether `file` holds exactly `text` already. */
export function sameText(file: string, text: string): boolean {
  try {
    return readFileSync(file, 'utf8') === text;
  } catch {
    return false;
  }
}

/** Writes target/run_results.json; returns its path. */
export function writeRunResults(
  paths: ArtifactPaths,
  summary: Omit<RunSummary, 'runResultsPath'>,
  args: Record<string, unknown>,
  generatedAt: Date,
): string {
  const file = join(paths.projectRoot, paths.targetPath, 'run_results.json');
  mkdirSync(dirname(file), { recursive: true });
  const document = {
    metadata: {
      dbt_schema_version: RUN_RESULTS_SCHEMA,
      dbt_version: DBT_COMPAT_VERSION,
      generated_at: generatedAt.toISOString(),
      invocation_id: summary.invocationId,
      invocation_started_at: new Date(generatedAt.getTime() - summary.elapsedTime * 1000).toISOString(),
      env: {},
    },
    results: summary.results.map((r) => resultJson(r, paths)),
    elapsed_time: summary.elapsedTime,
    args: { which: summary.command, runner: 'lakehouse-builtin', ...args },
  };
  writeFileSync(file, `${JSON.stringify(document, null, 2)}\n`);
  return file;
}

function resultJson(result: NodeResult, paths: ArtifactPaths): Record<string, unknown> {
  return {
    status: result.status,
    timing:
      result.status === 'skipped'
        ? []
        : [
            { name: 'compile', started_at: result.startedAt, completed_at: result.startedAt },
            { name: 'execute', started_at: result.startedAt, completed_at: result.completedAt },
          ],
    thread_id: 'Thread-1',
    execution_time: result.executionTime,
    adapter_response:
      result.status === 'skipped' || result.status === 'error'
        ? {}
        : { _message: result.message, code: result.message.split(' ')[0], rows_affected: result.rowsAffected ?? -1 },
    message: result.status === 'skipped' && !result.unchanged ? null : result.message,
    failures: result.resourceType === 'test' || result.resourceType === 'unit_test' ? (result.failures ?? null) : null,
    unique_id: result.uniqueId,
    compiled: result.compiledCode !== undefined,
    compiled_code: result.compiledCode ?? null,
    relation_name: result.relationName ?? null,
    compiled_path: result.compiledPath ? relative(paths.projectRoot, result.compiledPath) : null,
    batch_results: null,
  };
}
