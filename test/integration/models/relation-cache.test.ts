import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProject } from '../../../src/core/models';
import { SqlExecutor } from '../../../src/core/models/sql-executor';
import { fingerprintCatalog, makeProject, withSession, type Workspace } from './helpers';

let ws: Workspace | undefined;
afterEach(() => {
  ws?.cleanup();
  vi.restoreAllMocks();
});

// Thirteen models over two schemas: tables, views, an incremental one, a view that becomes a table.
function files(vFlip: 'view' | 'table'): Record<string, string> {
  const out: Record<string, string> = {
    'models/base.sql': "{{ config(materialized='table') }}\nselect range as id from range(5)",
    'models/flip.sql': `{{ config(materialized='${vFlip}') }}\nselect * from {{ ref('base') }}`,
    'models/inc.sql':
      "{{ config(materialized='incremental') }}\nselect id from {{ ref('base') }}{% if is_incremental() %} where id > (select max(id) from {{ this }}){% endif %}",
  };
  // adapter.get_relation answers from the run's cache: no catalog query of its own.
  out['models/probe.sql'] = [
    "{{ config(materialized='table') }}",
    "-- depends_on: {{ ref('base') }}",
    "{% set hit = adapter.get_relation(database=this.database, schema=this.schema, identifier='base') %}",
    "{% set miss = adapter.get_relation(database=this.database, schema=this.schema, identifier='nope') %}",
    // A schema no model of the run goes to is asked live, as before the catalog was listed whole.
    "{% set far = adapter.get_relation(database=this.database, schema='nowhere', identifier='base') %}",
    "select '{{ hit.identifier if hit else 'none' }}' as hit, '{{ miss.identifier if miss else 'none' }}' as miss,",
    "'{{ far.identifier if far else 'none' }}' as far",
  ].join('\n');
  for (let i = 0; i < 9; i++) {
    const schema = i % 2 === 0 ? ", schema='side'" : '';
    const kind = i % 3 === 0 ? 'view' : 'table';
    out[`models/m${i}.sql`] =
      `{{ config(materialized='${kind}'${schema}) }}\nselect id * ${i} as v from {{ ref('flip') }}`;
  }
  return out;
}

describe('what exists in the target schemas is listed once per run', () => {
  it('asks the catalog once (not once per schema) and creates each schema once, on a first and a second build', async () => {
    ws = makeProject(files('view'));
    const lookups: string[] = [];
    const rows = SqlExecutor.prototype.rows;
    vi.spyOn(SqlExecutor.prototype, 'rows').mockImplementation(function (this: SqlExecutor, sql: string) {
      if (/information_schema\.tables/i.test(sql)) lookups.push(sql);
      return rows.call(this, sql) as never;
    });
    const build = async () => {
      const sent: string[] = [];
      const summary = await withSession((session) =>
        buildProject({ projectDir: ws!.projectDir, session, env: ws!.env, onStatement: (sql) => sent.push(sql) }),
      );
      // A model provably unchanged since the first build is skipped as such (docs/RUNNER.md, No-op runs).
      const statuses = summary.results.map((r) => `${r.name} ${r.unchanged ? 'unchanged' : r.status}`);
      expect(statuses.filter((r) => !/ (success|unchanged)$/.test(r))).toEqual([]);
      // Every question about the run's own schemas went through the cache's listing; only the one about
      // a schema no model goes to was asked live (the project's SQL).
      const live = sent.filter((s) => /information_schema/i.test(s));
      expect(live).toHaveLength(1);
      expect(live[0]).toMatch(/'nowhere'/);
      return sent.filter((s) => /^CREATE SCHEMA/i.test(s));
    };

    const firstSchemas = await build();
    // main and main_side are in one catalog: one listing of it, however many schemas and models.
    expect(lookups).toHaveLength(1);
    expect(lookups[0]).not.toMatch(/table_schema\)? =/i);
    expect(firstSchemas).toHaveLength(2);

    // Second build: flip becomes a table over its old view; inc runs incrementally; no schema is re-created.
    writeFileSync(join(ws.projectDir, 'models/flip.sql'), files('table')['models/flip.sql']!);
    lookups.length = 0;
    expect(await build()).toEqual([]);
    expect(lookups).toHaveLength(1);

    const tables = await fingerprintCatalog(ws.catalogPath, ws.dataPath);
    expect(tables.get('main.flip')?.type).toBe('BASE TABLE');
    expect(tables.get('main.inc')?.rows).toBe(5);
    expect(tables.get('main_side.m0')?.type).toBe('VIEW');
    expect(tables.get('main_side.m2')?.rows).toBe(5);
    expect(tables.size).toBe(13);
    const probe = await withSession(async (session) => {
      await session.loadExtensions(['ducklake', 'sqlite_scanner']);
      await session.run(`ATTACH 'ducklake:sqlite:${ws!.catalogPath}' AS r (DATA_PATH '${ws!.dataPath}', READ_ONLY)`);
      return session.all<{ hit: string; miss: string; far: string }>('SELECT hit, miss, far FROM r.main.probe');
    });
    expect(probe).toEqual([{ hit: 'base', miss: 'none', far: 'none' }]);
  });
});
