import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateEnergyFiles } from '../../../examples/energy/generate';
import { LocalMirror } from '../../../src/core/lake/localMirror';
import { runOnLakehouse } from '../../../src/core/run/runOnLakehouse';
import { countBlobs } from '../support/developer';
import { duckdb, freshLakehouse, guardFor, runCli } from '../support/lakehouse';

const ENERGY = resolve(__dirname, '../../../examples/energy');
const SKIP = new Set(['target', 'landing', 'lake', 'logs', '.lakehouse']);

function energyWorkspace(location: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-run-'));
  cpSync(ENERGY, dir, { recursive: true, filter: (src) => !SKIP.has(src.split('/').pop()!) });
  generateEnergyFiles(join(dir, 'landing'), { scale: 3, days: 2, startDate: '2024-03-01', batch: 1 });
  writeFileSync(
    join(dir, 'lakehouse.yml'),
    `lakehouses:\n  - name: energy\n    location: ${location}\n    project: .\n`,
  );
  return dir;
}

describe('run on a lakehouse', () => {
  it('lakehouse build --publish: one lease from pull to upload, everything published, Delta written', async () => {
    const lake = await freshLakehouse();
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const cwd = energyWorkspace(lake.location);
    const result = await runCli(['build', 'energy', '--publish', '--json', '--holder', 'pipeline@ci'], {}, cwd);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.json.ok).toBe(true);
    const publish = result.json.publish as { status: string; tables: string[]; requests: number; files: number };
    expect(publish.status).toBe('published');
    expect(publish.tables).toEqual(
      expect.arrayContaining(['main_marts.fct_site_daily', 'main_marts.dim_site', 'main_ref.regions']),
    );
    expect(publish.requests).toBeLessThanOrEqual(publish.files + 8 + 2 * publish.tables.length);
    expect(await countBlobs(lake.store, 'Tables/main_marts/fct_site_daily/_delta_log/')).toBeGreaterThan(0);
    const lease = await lake.guard.inspect();
    expect(lease.status).toBe('free');
    expect(lease.stamp).toBeUndefined();

    // A second build with nothing new: the pull downloads nothing.
    const again = await runCli(['build', 'energy', '--json'], {}, cwd);
    expect(again.code).toBe(0);
    expect((again.json.pull as { files: { downloaded: number } }).files.downloaded).toBe(0);
  });

  it('holds the lease while the models run, so a concurrent run is refused', async () => {
    const lake = await freshLakehouse();
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const cwd = energyWorkspace(lake.location);
    const other = guardFor(lake.entry, lake.store, { holder: 'bob@desk' });
    const attempts: Promise<unknown>[] = [];
    const result = await runOnLakehouse({
      entry: lake.entry,
      store: lake.store,
      guard: lake.guard,
      mirror: LocalMirror.forLakehouse(cwd, 'energy'),
      duckdb,
      projectDir: cwd,
      command: 'seed',
      publish: true,
      // Bob tries to take the catalog while each node runs.
      onEvent: (event) => {
        if (event.kind === 'started')
          attempts.push(
            other.acquire({ operation: 'run' }).then(
              () => 'acquired',
              (e: Error) => e.message,
            ),
          );
      },
    });
    expect(result.publish?.status).toBe('published');
    const outcomes = await Promise.all(attempts);
    expect(outcomes.length).toBeGreaterThan(0);
    for (const outcome of outcomes)
      expect(outcome).toMatch(/^metadata\.db is held by test@runner \(run, run [0-9a-f]{8}\)/);
    expect((await lake.guard.inspect()).status).toBe('free');
  });

  it('does not publish a failed run, releases the lease, and exits 8', async () => {
    const lake = await freshLakehouse();
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const cwd = energyWorkspace(lake.location);
    writeFileSync(
      join(cwd, 'models/marts/broken.sql'),
      'select * from {{ ref("fct_site_daily") }} where no_such_column = 1\n',
    );
    const before = (await lake.store.blob('Files/metadata.db').getProperties()).contentMD5;
    const result = await runCli(['build', 'energy', '--publish', '--json'], {}, cwd);
    expect(result.code).toBe(8);
    expect(result.json.publishSkipped).toMatch(/failed; nothing was published and the lease was released/);
    expect((await lake.store.blob('Files/metadata.db').getProperties()).contentMD5).toEqual(before);
    expect((await lake.guard.inspect()).status).toBe('free');
  });
});
