import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { LakehouseError } from '../../../src/core/errors';
import { CatalogBusyError, CatalogChangedError } from '../../../src/core/lease/leaseErrors';
import { planPublish } from '../../../src/core/publish/publish';
import { contentHash, readWithDeltaRs, readWithDuckDBDelta } from '../delta/helpers';
import { countBlobs, Developer, downloadFolder } from '../support/developer';
import { freshLakehouse, FLAVORS } from '../support/lakehouse';

const developers: Developer[] = [];
afterEach(() => developers.splice(0).forEach((d) => d.close()));

async function developer(lake: Awaited<ReturnType<typeof freshLakehouse>>, name: string) {
  const dev = await Developer.create(lake, name);
  developers.push(dev);
  return dev;
}

/** The table as DuckLake has it locally, and as both Delta readers see the published folder. */
async function readBack(dev: Developer, table: string) {
  let expected;
  const state = (await dev.mirror.readState())!;
  const { attachWorkingCatalog } = await import('../../../src/core/lake/lakeSession');
  await attachWorkingCatalog(dev.session, dev.mirror, state, { readOnly: true });
  try {
    expected = await contentHash(dev.session, `SELECT * FROM lake.main.${table}`);
  } finally {
    await dev.session.run('DETACH lake');
  }
  const folder = await downloadFolder(dev.lake.store, `Tables/main/${table}`);
  return { expected, duckdb: await readWithDuckDBDelta(folder), deltaRs: await readWithDeltaRs(folder) };
}

describe.each(FLAVORS)('publish to Azurite, read back as Delta by two independent readers (%s)', (flavor) => {
  it('first publish, incremental, deletes, compaction and an added column all read back identically', async () => {
    const lake = await freshLakehouse({ flavor });
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const ana = await developer(lake, 'ana');
    await ana.pull();

    const check = async (label: string, expectedRows: number) => {
      const { expected, duckdb, deltaRs } = await readBack(ana, 'readings');
      expect(expected.rows, label).toBe(expectedRows);
      expect(duckdb, `${label}: delta_scan`).toEqual(expected);
      expect({ rows: deltaRs.rows, hash: deltaRs.hash }, `${label}: delta-rs`).toEqual(expected);
      return deltaRs.version;
    };

    await ana.run(
      "CREATE TABLE lake.main.readings AS SELECT i AS id, i % 40 AS site_id, round(i * 0.37, 2) AS kwh, DATE '2026-01-01' + (i % 300)::INTEGER AS day FROM range(5000) t(i)",
    );
    const first = await ana.publish();
    expect(first.status).toBe('published');
    expect(first.tables).toEqual(['main.readings']);
    expect(await check('first publish', 5000)).toBe(0);

    await ana.run(
      "INSERT INTO lake.main.readings SELECT i, i % 40, 1.5, DATE '2026-06-01' FROM range(5000, 6000) t(i)",
    );
    expect((await ana.publish({ maintenance: false })).delta?.tables.find((t) => t.name === 'readings')).toMatchObject({
      status: 'updated',
      adds: 1,
      removes: 0,
    });
    expect(await check('incremental', 6000)).toBe(1);

    await ana.run('DELETE FROM lake.main.readings WHERE id % 10 = 0');
    await ana.publish(); // maintenance rewrites the deletes before the export
    expect(await check('after deletes', 5400)).toBe(2);

    for (let i = 0; i < 4; i++)
      await ana.run(
        `INSERT INTO lake.main.readings SELECT i, 0, 0.5, DATE '2026-07-01' FROM range(${7000 + i * 1000}, ${7000 + i * 1000 + 500}) t(i)`,
      );
    const compacted = await ana.publish();
    const report = compacted.delta?.tables.find((t) => t.name === 'readings');
    expect(report?.removes).toBeGreaterThan(0);
    expect(await check('compaction', 7400)).toBe(3);

    await ana.run(
      'ALTER TABLE lake.main.readings ADD COLUMN quality VARCHAR',
      "INSERT INTO lake.main.readings SELECT i, 1, 2.0, DATE '2026-08-01', 'estimated' FROM range(20000, 20100) t(i)",
    );
    const changed = await ana.publish();
    expect(changed.delta?.tables.find((t) => t.name === 'readings')?.metadataChanged).toBe(true);
    expect(await check('added column', 7500)).toBe(4);
  });

  it('conflict: two developers pull, both run, both publish; the second is refused before uploading anything', async () => {
    const lake = await freshLakehouse({ flavor });
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const ana = await developer(lake, 'ana');
    const bob = await developer(lake, 'bob');
    await ana.pull();
    await bob.pull();
    await ana.run('CREATE TABLE lake.main.a AS SELECT range AS x FROM range(100)');
    await bob.run('CREATE TABLE lake.main.b AS SELECT range AS y FROM range(100)');
    await ana.publish();
    const blobsBefore = await countBlobs(lake.store, 'Tables/');
    const catalogBefore = (await lake.store.blob('Files/metadata.db').getProperties()).contentMD5;

    const error = await bob.publish().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogChangedError);
    expect((error as Error).message).toMatch(
      /changed since your pull \(published by ana@laptop at .*\); nothing was uploaded/,
    );
    expect(await countBlobs(lake.store, 'Tables/')).toBe(blobsBefore);
    expect((await lake.store.blob('Files/metadata.db').getProperties()).contentMD5).toEqual(catalogBefore);
    expect((await lake.guard.inspect()).status).toBe('free');
  });

  it('makes at most k + 9 requests plus 2 per changed table for k new files', async () => {
    const lake = await freshLakehouse({ flavor });
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const ana = await developer(lake, 'ana');
    await ana.pull();
    await ana.run(
      'CREATE TABLE lake.main.t1 AS SELECT range AS x FROM range(10000)',
      'CREATE TABLE lake.main.t2 AS SELECT range AS y FROM range(10000)',
      'CREATE TABLE lake.main.t3 AS SELECT range AS z FROM range(10000)',
    );
    const first = await ana.publish();
    // 9 fixed: lease, stamp, checks, commit, Delta state, the release mark (so a later loser of the
    // lease race is never told this holder's name) and the release.
    expect(first.requests).toBeLessThanOrEqual(first.files + 9 + 2 * first.tables.length);

    await ana.run('INSERT INTO lake.main.t2 SELECT range FROM range(10000, 20000)');
    const second = await ana.publish({ maintenance: false });
    expect(second.files).toBe(1);
    expect(second.tables).toEqual(['main.t2']);
    expect(second.requests).toBeLessThanOrEqual(1 + 9 + 2);
  });

  it('publishes under a lease this developer already holds by id (the editor after a reload), not busy', async () => {
    const lake = await freshLakehouse({ flavor });
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const ana = await developer(lake, 'ana');
    await ana.pull();
    await ana.run('CREATE TABLE lake.main.t AS SELECT range AS x FROM range(100)');
    // Acquire Lease from the window; a reload keeps only what workspaceState holds: the ids.
    const manual = await ana.guard.acquire({ operation: 'manual' });
    const kept = { leaseId: manual.leaseId, runId: manual.stamp.run_id };

    const busy = await ana.publish().catch((e: unknown) => e);
    expect(busy).toBeInstanceOf(CatalogBusyError);
    expect((await lake.guard.inspect()).stamp?.run_id).toBe(kept.runId);

    const done = await ana.publish({ reuse: kept });
    expect(done.status).toBe('published');
    expect(done.tables).toEqual(['main.t']);
    const after = await lake.guard.inspect();
    expect(after.status).toBe('free');
    const remote = await lake.store.blob(lake.entry.catalogPath).getProperties();
    expect(Buffer.from(remote.contentMD5!).toString('base64')).toBe((await ana.mirror.readState())!.md5);
  });

  it('a new data file missing from the mirror stops the publish before the commit, said as such', async () => {
    const lake = await freshLakehouse({ flavor });
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const ana = await developer(lake, 'ana');
    await ana.pull();
    await ana.run(
      'CREATE TABLE lake.main.a AS SELECT range AS x FROM range(100)',
      'CREATE TABLE lake.main.b AS SELECT range AS y FROM range(100)',
    );
    const plan = await planPublish(ana.session, ana.mirror);
    expect(plan.files).toHaveLength(2);
    rmSync(ana.mirror.dataFile(plan.files[1]!.path));
    const catalogBefore = (await lake.store.blob(lake.entry.catalogPath).getProperties()).contentMD5;

    const error = await ana.publish({ maintenance: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LakehouseError);
    expect((error as LakehouseError).code).toBe('mirror-incomplete');
    expect((error as Error).message).toContain(plan.files[1]!.path);
    // Nothing past the commit point: the remote catalog is the pulled one and the lease is let go.
    expect((await lake.store.blob(lake.entry.catalogPath).getProperties()).contentMD5).toEqual(catalogBefore);
    expect((await lake.guard.inspect()).status).toBe('free');
  });

  it('has nothing to publish right after a pull', async () => {
    const lake = await freshLakehouse({ flavor });
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const ana = await developer(lake, 'ana');
    await ana.pull();
    const mark = lake.store.counter.total;
    expect((await ana.publish()).status).toBe('nothing-to-publish');
    // One HEAD: nothing to upload is only true while the catalog it was pulled from is still there.
    expect(lake.store.counter.since(mark)).toBe(1);
  });
});
