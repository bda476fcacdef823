import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runModels, seedProject, testModels } from '../../../src/core/models';
import {
  addEnergyBatch,
  fingerprintCatalog,
  makeWorkspace,
  openSession,
  withSession,
  type TableFingerprint,
  type Workspace,
} from './helpers';
import { dbt, requireDbt } from './peers';

/**
 * The built-in runner and real dbt-duckdb, each against its own fresh DuckLake
 * catalog and the same landing files, must leave identical tables: same
 * tables and views, same column types, same row counts, same content hash.
 */
async function runBuiltin(ws: Workspace, seed: boolean): Promise<number> {
  const started = performance.now();
  const session = await openSession();
  try {
    if (seed) {
      const seeded = await seedProject({ projectDir: ws.projectDir, session, env: ws.env });
      expect(seeded.success, JSON.stringify(seeded.results.map((r) => [r.name, r.message]))).toBe(true);
    }
    const summary = await runModels({ projectDir: ws.projectDir, session, env: ws.env });
    expect(
      summary.success,
      JSON.stringify(summary.results.filter((r) => r.status !== 'success').map((r) => [r.name, r.message])),
    ).toBe(true);
  } finally {
    session.close();
  }
  return (performance.now() - started) / 1000;
}

async function runDbt(ws: Workspace, seed: boolean): Promise<number> {
  const started = performance.now();
  if (seed) await dbt(ws.projectDir, ['seed'], ws.env);
  await dbt(ws.projectDir, ['run'], ws.env);
  return (performance.now() - started) / 1000;
}

function compare(builtin: Map<string, TableFingerprint>, peer: Map<string, TableFingerprint>) {
  expect([...builtin.keys()].sort()).toEqual([...peer.keys()].sort());
  for (const [name, fingerprint] of peer) {
    expect(builtin.get(name), name).toEqual(fingerprint);
  }
}

describe('differential: built-in runner vs dbt-duckdb', () => {
  beforeAll(() => requireDbt());

  describe('energy example', () => {
    let mine: Workspace;
    let peer: Workspace;
    beforeAll(() => {
      mine = makeWorkspace('energy', 'energy-builtin');
      peer = makeWorkspace('energy', 'energy-dbt');
    });
    afterAll(() => {
      mine?.cleanup();
      peer?.cleanup();
    });

    it('gives identical tables after a full run', async () => {
      addEnergyBatch(mine, 1);
      addEnergyBatch(peer, 1);
      const [tMine, tPeer] = [await runBuiltin(mine, true), await runDbt(peer, true)];
      const [a, b] = [
        await fingerprintCatalog(mine.catalogPath, mine.dataPath),
        await fingerprintCatalog(peer.catalogPath, peer.dataPath),
      ];
      compare(a, b);
      expect(a.get('main_staging.stg_meter_readings')!.rows).toBeGreaterThan(2000);
      expect(a.get('main_marts.fct_meter_hourly')!.rows).toBe(6 * 2 * 24 * 2);
      console.info(
        `energy full run: built-in ${tMine.toFixed(2)}s, dbt ${tPeer.toFixed(2)}s, ${a.size} tables/views equal`,
      );
    });

    it('names and judges the data tests the same way', async () => {
      const mineTests = await withSession((session) =>
        testModels({ projectDir: mine.projectDir, session, env: mine.env }),
      );
      await dbt(peer.projectDir, ['test'], peer.env);
      const peerResults = JSON.parse(readFileSync(join(peer.projectDir, 'target', 'run_results.json'), 'utf8')) as {
        results: Array<{ unique_id: string; status: string; failures: number }>;
      };
      // dbt appends a hash to generic test ids (test.energy.<name>.<hash>); the names must match.
      const peerByName = Object.fromEntries(
        peerResults.results
          .filter((r) => r.unique_id.startsWith('test.'))
          .map((r) => [r.unique_id.split('.')[2], [r.status, r.failures]]),
      );
      const mineByName = Object.fromEntries(mineTests.results.map((r) => [r.name, [r.status, r.failures]]));
      expect(mineByName).toEqual(peerByName);
      expect(Object.keys(mineByName).length).toBe(15);
    });

    it('gives identical tables after an incremental run on new files', async () => {
      addEnergyBatch(mine, 2);
      addEnergyBatch(peer, 2);
      const [tMine, tPeer] = [await runBuiltin(mine, false), await runDbt(peer, false)];
      const [a, b] = [
        await fingerprintCatalog(mine.catalogPath, mine.dataPath),
        await fingerprintCatalog(peer.catalogPath, peer.dataPath),
      ];
      compare(a, b);
      // Batch 2: two new days, a restated day, a new site and a changed one.
      expect(a.get('main_ops.file_archive')!.rows).toBe(4 + 6);
      expect(a.get('main_marts.dim_site')!.rows).toBe(7);
      expect(a.get('main_marts.fct_meter_hourly')!.rows).toBe(6 * 2 * 24 * 2 + 7 * 2 * 24 * 2);
      console.info(
        `energy incremental run: built-in ${tMine.toFixed(2)}s, dbt ${tPeer.toFixed(2)}s, ${a.size} tables/views equal`,
      );
    });
  });

  describe('tpch example (SF 0.1)', () => {
    let mine: Workspace;
    let peer: Workspace;
    beforeAll(() => {
      mine = makeWorkspace('tpch', 'tpch-builtin');
      peer = makeWorkspace('tpch', 'tpch-dbt');
    });
    afterAll(() => {
      mine?.cleanup();
      peer?.cleanup();
    });

    it('gives identical star schema tables after a full run', async () => {
      const [tMine, tPeer] = [await runBuiltin(mine, false), await runDbt(peer, false)];
      const [a, b] = [
        await fingerprintCatalog(mine.catalogPath, mine.dataPath),
        await fingerprintCatalog(peer.catalogPath, peer.dataPath),
      ];
      compare(a, b);
      expect(a.get('main_star.fct_lineitem')!.rows).toBeGreaterThan(590_000);
      expect(a.get('main_star.dim_customer')!.rows).toBe(15_000);
      console.info(
        `tpch full run: built-in ${tMine.toFixed(2)}s, dbt ${tPeer.toFixed(2)}s, ${a.size} tables/views equal`,
      );
    });

    it('gives identical tables after an incremental re-run', async () => {
      const [tMine, tPeer] = [await runBuiltin(mine, false), await runDbt(peer, false)];
      const [a, b] = [
        await fingerprintCatalog(mine.catalogPath, mine.dataPath),
        await fingerprintCatalog(peer.catalogPath, peer.dataPath),
      ];
      compare(a, b);
      console.info(
        `tpch incremental run: built-in ${tMine.toFixed(2)}s, dbt ${tPeer.toFixed(2)}s, ${a.size} tables/views equal`,
      );
    });
  });
});
