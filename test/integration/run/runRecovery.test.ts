import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDBSession, quoteLiteral } from '../../../src/core/lake/duckdb';
import { contentHash, readWithDuckDBDelta } from '../delta/helpers';
import { downloadFolder } from '../support/developer';
import { duckdb, freshLakehouse, runCli } from '../support/lakehouse';
import { runAndKill } from '../support/publishTruth';

type Lake = Awaited<ReturnType<typeof freshLakehouse>>;

const PROFILE = readFileSync(resolve(__dirname, '../../../examples/energy/profiles.yml'), 'utf8').replace(
  /^energy:/m,
  'lab:',
);

/**
 * A pipeline like a scheduled one: `batch` ingests rows not yet ingested (an
 * append; run twice on the same state it would take the batch twice),
 * `totals` summarises it, `broken` fails until it is fixed.
 */
const MODELS: Record<string, string> = {
  'models/batch.sql':
    "{{ config(materialized='incremental') }}\nselect i as id, 'row ' || i as label from range(0, 500) t(i)\n",
  'models/totals.sql':
    "{{ config(materialized='table') }}\nselect count(*) as n, cast(sum(id) as bigint) as s from {{ ref('batch') }}\n",
};

function workspace(lake: Lake, extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-recovery-'));
  const files: Record<string, string> = {
    'lakehouse.yml': `lakehouses:\n  - name: lh\n    location: ${lake.location}\n    project: .\n`,
    'dbt_project.yml': "name: lab\nprofile: lab\nconfig-version: 2\nmodel-paths: ['models']\n",
    'profiles.yml': PROFILE,
    ...MODELS,
    ...extra,
  };
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

/** The published tables as Fabric reads them (Delta), and the remote catalog's own view of them. */
async function published(lake: Lake): Promise<Record<string, { rows: number; hash: string }>> {
  const out: Record<string, { rows: number; hash: string }> = {};
  for (const t of ['batch', 'totals']) {
    out[`delta:${t}`] = await readWithDuckDBDelta(await downloadFolder(lake.store, `Tables/main/${t}`));
  }
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-recovery-remote-'));
  const file = join(dir, 'metadata.db');
  await lake.store.blob('Files/metadata.db').downloadToFile(file);
  const data = await downloadFolder(lake.store, 'Tables');
  const session = await DuckDBSession.open(duckdb);
  try {
    await session.loadExtensions(['ducklake', 'sqlite_scanner']);
    await session.run(
      `ATTACH ${quoteLiteral(`ducklake:sqlite:${file}`)} AS r (READ_ONLY, DATA_PATH ${quoteLiteral(data + '/')}, OVERRIDE_DATA_PATH true)`,
    );
    for (const t of ['batch', 'totals']) out[`ducklake:${t}`] = await contentHash(session, `SELECT * FROM r.main.${t}`);
  } finally {
    session.close();
  }
  return out;
}

/** What one clean `run --publish` on a fresh lakehouse publishes. */
async function cleanRun(): Promise<Record<string, { rows: number; hash: string }>> {
  const lake = await freshLakehouse();
  await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
  const result = await runCli(['run', 'lh', '--publish', '--json'], {}, workspace(lake));
  expect(result.code, result.stdout + result.stderr).toBe(0);
  return published(lake);
}

describe('a failed or killed run --publish never publishes partial work, and recovers by itself', () => {
  it('a failed run, then the fixed run with --publish: published tables equal a clean run’s (no batch taken twice)', async () => {
    const clean = await cleanRun();
    expect(clean['ducklake:batch']!.rows).toBe(500);

    const lake = await freshLakehouse();
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const cwd = workspace(lake, {
      'models/broken.sql': "select * from {{ ref('batch') }} where no_such_column = 1\n",
    });
    const failed = await runCli(['run', 'lh', '--publish', '--json'], {}, cwd);
    expect(failed.code).toBe(8);
    expect(failed.json.publishSkipped).toMatch(/nothing was published/);
    // The fix.
    writeFileSync(join(cwd, 'models/broken.sql'), "select * from {{ ref('batch') }}\n");
    const fixed = await runCli(['run', 'lh', '--publish'], {}, cwd);
    expect(fixed.code, fixed.stdout + fixed.stderr).toBe(0);
    // It says where it started: the failed run's partial work was discarded.
    expect(fixed.stdout).toMatch(
      /Started from the remote catalog; unpublished local changes \(an earlier failed or interrupted run\) were discarded\./,
    );
    expect(await published(lake)).toEqual(clean);
    expect((await lake.guard.inspect()).status).toBe('free');
  });

  it('--keep-local is the user’s word: the run starts from the local changes and says so', async () => {
    const lake = await freshLakehouse();
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const cwd = workspace(lake, {
      'models/broken.sql': "select * from {{ ref('batch') }} where no_such_column = 1\n",
    });
    expect((await runCli(['run', 'lh', '--publish', '--json'], {}, cwd)).code).toBe(8);
    writeFileSync(join(cwd, 'models/broken.sql'), "select * from {{ ref('batch') }}\n");
    const kept = await runCli(['run', 'lh', '--publish', '--keep-local', '--json'], {}, cwd);
    expect(kept.code, kept.stdout + kept.stderr).toBe(0);
    expect(kept.json.start).toBe('local-changes');
    // The failed run's batch plus this run's: what the user asked for.
    expect((await published(lake))['ducklake:batch']!.rows).toBe(1000);
  });
});

describe('run --publish SIGKILLed at random points', () => {
  it('every rerun re-takes its own lease (never busy against itself), with zero manual steps; the result equals a clean run’s', async () => {
    // Idempotent over complete runs (the batch takes only rows it does not have), so any number of
    // completed publishes equals one clean run.
    const idempotent = {
      'models/batch.sql':
        "{{ config(materialized='incremental') }}\nselect i as id, 'row ' || i as label from range(0, 500) t(i)\n" +
        '{% if is_incremental() %}where i not in (select id from {{ this }}){% endif %}\n',
    };
    const cleanLake = await freshLakehouse();
    await cleanLake.guard.release(await cleanLake.guard.acquire({ operation: 'setup' }));
    const startedAt = Date.now();
    const first = await runCli(['run', 'lh', '--publish', '--json'], {}, workspace(cleanLake, idempotent));
    // Only to spread the kill points over a run's life on this machine; nothing asserts it.
    let span = Math.max(1_000, Date.now() - startedAt);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    const clean = await published(cleanLake);

    const lake = await freshLakehouse();
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const cwd = workspace(lake, idempotent);
    const args = ['run', 'lh', '--publish', '--json', '--holder', 'pipeline@ci'];
    // Kill points spread over a run's life (start-up, lease, pull, models, publish, Delta, release):
    // a fixed sequence of fractions of a run's time, until 12 runs were killed (at most 60 tries).
    // A run that finished before its kill point shows how long a run takes now (the machine's load
    // changes), so later kill points are spread over that instead: the kills land whatever the load.
    const outcomes: Array<{ killed: boolean; code: number | null; out: string }> = [];
    for (let i = 0; outcomes.filter((o) => o.killed).length < 12 && i < 60; i++) {
      const fraction = 0.05 + ((i * 0.37) % 1);
      const outcome = await runAndKill(args, cwd, Math.round(span * fraction));
      if (!outcome.killed) span = Math.max(200, Math.min(span, outcome.ranMs));
      outcomes.push(outcome);
    }
    expect(outcomes.filter((o) => o.killed).length).toBeGreaterThanOrEqual(10);
    // A run that outlived its kill point finished by itself: never busy, never anything else.
    for (const o of outcomes.filter((o) => !o.killed)) expect(o.code, o.out).toBe(0);
    // Zero manual steps: the next plain rerun succeeds.
    const rerun = await runCli(args, {}, cwd);
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    expect(['published', 'nothing-to-publish']).toContain((rerun.json.publish as { status: string }).status);
    expect((await lake.guard.inspect()).status).toBe('free');
    expect(await published(lake)).toEqual(clean);
  });
});
