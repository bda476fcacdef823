import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { buildProject } from '../../../src/core/models';
import { parseRun } from '../../../src/core/models/parse-run';
import { makeProject, queryCatalog, withSession, type Workspace } from './helpers';

/**
 * The parse cache on a real project: a second run parses nothing again and builds the same
 * tables; an edited macro, model or properties file is parsed anew and its change shows in the
 * tables; a damaged cache costs nothing but a fresh parse; a project with its own target-path
 * leaves no cache in a folder it does not use.
 */
const FILES: Record<string, string> = {
  'macros/scaled.sql': '{% macro scaled(x) %}{{ x }} * 10{% endmacro %}',
  'models/base.sql': "{{ config(materialized='table') }}\nselect * from range(3) t(id)",
  'models/scaled.sql': "{{ config(materialized='table') }}\nselect id, {{ scaled('id') }} as v from {{ ref('base') }}",
  'models/schema.yml':
    'version: 2\nmodels:\n  - name: scaled\n    columns:\n      - name: id\n        data_tests: [not_null]\n',
};

let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

const cacheFile = (w: Workspace) => join(w.projectDir, 'target', 'lakehouse', 'parse-cache.json');

async function build(w: Workspace) {
  const parsed = await parseRun({ projectDir: w.projectDir, env: w.env }, randomUUID(), Date.now());
  const cache = { hits: parsed.parseCache.hits, misses: parsed.parseCache.misses };
  const summary = await withSession((session) =>
    buildProject({ projectDir: w.projectDir, env: w.env, session, parsed, skipUnchanged: false }),
  );
  expect(summary.success, JSON.stringify(summary.results.map((r) => [r.name, r.status, r.message]))).toBe(true);
  const rows = await queryCatalog<{ id: bigint; v: bigint }>(w, 'SELECT id, v FROM lake.main.scaled ORDER BY id');
  return { cache, summary, values: rows.map((r) => Number(r.v)) };
}

describe('parse cache', () => {
  it('serves a second run entirely from the cache, with the same results', async () => {
    ws = makeProject(FILES, 'parse-cache');
    const first = await build(ws);
    expect(first.cache.hits).toBe(0);
    expect(first.cache.misses).toBeGreaterThan(3);
    expect(existsSync(cacheFile(ws))).toBe(true);

    const second = await build(ws);
    // The parse itself: nothing compiled or parsed again (node SQL compiles during the run).
    expect(second.cache.misses).toBe(0);
    expect(second.cache.hits).toBeGreaterThan(3);
    expect(second.values).toEqual(first.values);
    expect(second.values).toEqual([0, 10, 20]);
    expect(second.summary.results.map((r) => [r.name, r.status])).toEqual(
      first.summary.results.map((r) => [r.name, r.status]),
    );
  });

  it('parses an edited macro, model or properties file anew', async () => {
    ws = makeProject(FILES, 'parse-cache-edit');
    await build(ws);

    writeFileSync(join(ws.projectDir, 'macros/scaled.sql'), '{% macro scaled(x) %}{{ x }} * 100{% endmacro %}');
    const macroEdited = await build(ws);
    expect(macroEdited.cache.misses).toBeGreaterThan(0);
    expect(macroEdited.values).toEqual([0, 100, 200]);

    writeFileSync(
      join(ws.projectDir, 'models/scaled.sql'),
      "{{ config(materialized='table') }}\nselect id, {{ scaled('id') }} + 1 as v from {{ ref('base') }}",
    );
    expect((await build(ws)).values).toEqual([1, 101, 201]);

    // A second test in the properties file: the run has one more node.
    writeFileSync(
      join(ws.projectDir, 'models/schema.yml'),
      FILES['models/schema.yml']!.replace('[not_null]', '[not_null, unique]'),
    );
    const yamlEdited = await build(ws);
    expect(
      yamlEdited.summary.results
        .filter((r) => r.resourceType === 'test')
        .map((r) => r.name)
        .sort(),
    ).toEqual(['not_null_scaled_id', 'unique_scaled_id']);
  });

  it('treats a damaged cache as empty and writes a good one', async () => {
    ws = makeProject(FILES, 'parse-cache-damaged');
    await build(ws);
    writeFileSync(cacheFile(ws), readFileSync(cacheFile(ws), 'utf8').slice(0, 100));
    const again = await build(ws);
    expect(again.cache.hits).toBe(0);
    expect(again.values).toEqual([0, 10, 20]);
    expect(() => JSON.parse(readFileSync(cacheFile(ws!), 'utf8')) as unknown).not.toThrow();
    expect((await build(ws)).cache.misses).toBe(0);
  });

  it('writes no cache for a project whose target-path is elsewhere', async () => {
    ws = makeProject(
      { ...FILES, 'dbt_project.yml': 'name: lab\nprofile: lab\nconfig-version: 2\ntarget-path: out\n' },
      'parse-cache-target',
    );
    await build(ws);
    expect(existsSync(join(ws.projectDir, 'out', 'run_results.json'))).toBe(true);
    expect(existsSync(join(ws.projectDir, 'target'))).toBe(false);
    expect(existsSync(join(ws.projectDir, 'out', 'lakehouse', 'parse-cache.json'))).toBe(false);
  });
});
