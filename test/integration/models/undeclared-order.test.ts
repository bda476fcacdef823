import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../src/core/models/types';
import { builtinBuild, DBT_PEER_PROFILE, dbtBuildResults, sideBySideProjects } from './helpers';

/**
 * A model reading, through source(), the table a seed of the same run loads, without ref(): the
 * project does not order them. dbt runs the model first here (ready nodes by depth, then unique id:
 * `model.` before `seed.`) and fails on a first build; this runner loads the seed first. The run
 * says so in its log instead of differing silently; a model reading the seed with ref() is not named.
 */
const FILES: Record<string, string> = {
  'profiles.yml': DBT_PEER_PROFILE,
  'seeds/orders.csv': 'id,amount\n1,10\n2,20\n',
  'models/sources.yml': 'version: 2\nsources:\n  - name: raw\n    schema: main\n    tables: [{ name: orders }]\n',
  'models/stg_orders.sql': "{{ config(materialized='table') }}\nselect id, amount from {{ source('raw', 'orders') }}",
  'models/by_ref.sql': "{{ config(materialized='table') }}\nselect count(*) as n from {{ ref('orders') }}",
};

const projects = sideBySideProjects();

describe('a source that a seed of the same run writes, read without ref()', () => {
  it('is said in the log, naming the reader and the writer; dbt orders them otherwise', async () => {
    const { mine, peer } = projects(FILES, 'undeclared');
    const logs: string[] = [];
    const summary = await builtinBuild(mine, {
      onEvent: (e: RunEvent) => void (e.kind === 'log' && logs.push(e.message)),
    });
    const notes = logs.filter((m) => m.includes("source('raw', 'orders')"));
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain("seed 'orders'");
    expect(notes[0]).toContain("'stg_orders' reads it without depending on 'orders'");
    expect(notes[0]).toContain("This run runs 'orders' first");
    expect(notes[0]).not.toContain('by_ref');
    expect(summary.results.find((r) => r.name === 'stg_orders')?.status).toBe('success');

    // dbt-duckdb on the same first build: the model runs before the seed and fails.
    const results = await dbtBuildResults(peer);
    expect(results.find((r) => r.unique_id === 'model.lab.stg_orders')?.status).toBe('error');
    expect(results.find((r) => r.unique_id === 'model.lab.by_ref')?.status).toBe('success');
  });
});
