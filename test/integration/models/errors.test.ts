import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ModelCompileError,
  ModelRuntimeError,
  UnsupportedFeatureError,
  runModels,
  type RunEvent,
} from '../../../src/core/models';
import { makeProject, withSession, type Workspace } from './helpers';

let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

function run(w: Workspace, onEvent?: (e: RunEvent) => void) {
  return withSession((session) =>
    runModels({ projectDir: w.projectDir, session, env: w.env, ...(onEvent ? { onEvent } : {}) }),
  );
}

describe('errors point at the file and line', () => {
  it('reports a Jinja syntax error in a model with its line', async () => {
    ws = makeProject({ 'models/bad.sql': 'select\n  1 as a,\n  {{ 2 + }} as b\n' });
    const error = await run(ws).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCompileError);
    expect((error as ModelCompileError).location).toMatchObject({
      file: join(ws.projectDir, 'models/bad.sql'),
      line: 3,
    });
  });

  it('reports an unknown ref with the line that uses it', async () => {
    ws = makeProject({ 'models/a.sql': 'select 1 as x', 'models/b.sql': "-- b\nselect *\nfrom {{ ref('nope') }}" });
    const error = await run(ws).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCompileError);
    expect((error as ModelCompileError).location).toEqual({ file: join(ws.projectDir, 'models/b.sql'), line: 3 });
    expect((error as Error).message).toContain("'nope' which was not found");
  });

  it('maps a DuckDB error back to the model line, skips descendants and keeps running the rest', async () => {
    ws = makeProject({
      'models/good.sql': 'select 1 as id',
      'models/broken.sql':
        "{{ config(materialized='table') }}\n{% set cols = ['id'] %}\nselect\n  {{ cols | join(', ') }},\n  no_such_column\nfrom {{ ref('good') }}",
      'models/child.sql': "select * from {{ ref('broken') }}",
      'models/grandchild.sql': "select * from {{ ref('child') }}",
      'models/sibling.sql': "select id + 1 as id from {{ ref('good') }}",
    });
    const events: RunEvent[] = [];
    const summary = await run(ws, (e) => events.push(e));
    const statuses = Object.fromEntries(summary.results.map((r) => [r.name, r.status]));
    expect(statuses).toEqual({
      good: 'success',
      broken: 'error',
      child: 'skipped',
      grandchild: 'skipped',
      sibling: 'success',
    });
    const broken = summary.results.find((r) => r.name === 'broken')!;
    expect(broken.error).toBeInstanceOf(ModelRuntimeError);
    expect((broken.error as ModelRuntimeError).location).toEqual({
      file: join(ws.projectDir, 'models/broken.sql'),
      line: 5,
    });
    expect(broken.message).toContain('no_such_column');
    expect(events.filter((e) => e.kind === 'skipped').map((e) => e.node.name)).toEqual(['child', 'grandchild']);
    const failed = events.find((e) => e.kind === 'failed');
    expect(failed?.node.name).toBe('broken');
    const succeeded = events.filter((e) => e.kind === 'succeeded');
    expect(succeeded.map((e) => e.node.name)).toEqual(['good', 'sibling']);

    const runResults = JSON.parse(readFileSync(join(ws.projectDir, 'target', 'run_results.json'), 'utf8'));
    expect(runResults.metadata.dbt_schema_version).toBe('https://schemas.getdbt.com/dbt/run-results/v6.json');
    expect(runResults.results.map((r: { unique_id: string; status: string }) => [r.unique_id, r.status])).toEqual([
      ['model.lab.good', 'success'],
      ['model.lab.broken', 'error'],
      ['model.lab.child', 'skipped'],
      ['model.lab.grandchild', 'skipped'],
      ['model.lab.sibling', 'success'],
    ]);
    expect(typeof runResults.elapsed_time).toBe('number');
    expect(readFileSync(join(ws.projectDir, 'target/compiled/lab/models/broken.sql'), 'utf8')).toContain(
      'id,\n  no_such_column',
    );
  });

  it('rejects a Python model as unsupported, with a hint to the dbt runner', async () => {
    ws = makeProject({ 'models/py_model.py': 'def model(dbt, session):\n    return None\n' });
    const error = await run(ws).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedFeatureError);
    expect((error as UnsupportedFeatureError).location).toEqual({
      file: join(ws.projectDir, 'models/py_model.py'),
      line: 1,
    });
    expect((error as UnsupportedFeatureError).hint).toContain("'lakehouse.runner' to 'dbt'");
  });

  it('names a package listed in packages.yml that is not installed', async () => {
    ws = makeProject({
      'packages.yml': 'packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.3.0\n',
      'models/a.sql': 'select 1',
    });
    const error = await run(ws).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCompileError);
    expect((error as Error).message).toContain('dbt-labs/dbt_utils');
    expect((error as ModelCompileError).hint).toContain('dbt deps');
  });

  it('reports an unknown macro with the calling line', async () => {
    ws = makeProject({ 'models/m.sql': "select\n  {{ cents_to_dollars('amount') }}\nfrom x" });
    const error = await run(ws).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelCompileError);
    expect((error as ModelCompileError).location?.line).toBe(2);
    expect((error as Error).message).toContain('cents_to_dollars');
  });
});
