import { existsSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LakehouseError } from '../../../src/core/errors';
import { readJournal } from '../../../src/core/publish/journal';
import { gateRunsAlongside } from '../../../src/core/readiness';
import { runLeaseFile } from '../../../src/core/run/runLease';
import { countBlobs, Developer } from '../support/developer';
import { freshLakehouse } from '../support/lakehouse';

const developers: Developer[] = [];
afterEach(() => developers.splice(0).forEach((d) => d.close()));

/** A lakehouse pulled by one developer, with one new local table to publish. */
async function changedLakehouse() {
  const lake = await freshLakehouse();
  await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
  const ana = await Developer.create(lake, 'ana');
  developers.push(ana);
  await ana.pull();
  await ana.run('CREATE TABLE lake.main.readings AS SELECT range AS id, range * 0.5 AS kwh FROM range(2000)');
  return { lake, ana };
}

function deferred() {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

/**
 * The readiness check (`warn`) runs beside the lease request: publish takes the lease while it runs, and writes
 * nothing (journal, data files, catalog) until it has answered.
 */
describe('a read-only look alongside the lease', () => {
  it('publish takes the lease while the look runs, uploads nothing until it answered, then publishes', async () => {
    const { lake, ana } = await changedLakehouse();
    const look = deferred();
    let answered = false;
    const early: string[] = [];
    const publishing = ana.publish({
      alongside: look.promise,
      onStep: (step) => {
        if (!answered) early.push(step);
      },
    });

    await vi.waitFor(async () => expect((await lake.guard.inspect()).status).toBe('held'), {
      timeout: 60_000,
      interval: 20,
    });
    // Time for a publish that did not wait to journal and upload (the lease stays held meanwhile); not a timing.
    await new Promise((resolve) => setTimeout(resolve, 500));
    // Held, and still waiting for the look: no step journaled, no data file, the remote catalog as pulled.
    expect(await countBlobs(lake.store, 'Tables/')).toBe(0);
    expect(await readJournal(ana.mirror)).toBeUndefined();
    const remote = (await lake.store.blob('Files/metadata.db').getProperties()).contentMD5;
    expect(Buffer.from(remote!).toString('base64')).toBe((await ana.mirror.readState())!.md5);

    answered = true;
    look.resolve();
    const summary = await publishing;
    expect(early).toEqual([]);
    expect(summary.status).toBe('published');
    expect(await countBlobs(lake.store, 'Tables/')).toBeGreaterThan(0);
    expect((await lake.guard.inspect()).status).toBe('free');
  }, 120_000);

  it("a look that fails stops the publish before anything is written, with the look's error; the lease goes back", async () => {
    const { lake, ana } = await changedLakehouse();
    const look = deferred();
    const publishing = ana.publish({ alongside: look.promise }).catch((e: unknown) => e);
    await vi.waitFor(async () => expect((await lake.guard.inspect()).status).toBe('held'), {
      timeout: 60_000,
      interval: 20,
    });
    const refusal = new LakehouseError('not-fabric-ready', 'refused by the look', 'fix it');
    look.reject(refusal);

    expect(await publishing).toBe(refusal);
    expect((await lake.guard.inspect()).status).toBe('free');
    expect(await countBlobs(lake.store, 'Tables/')).toBe(0);
    expect(await readJournal(ana.mirror)).toBeUndefined();
    expect(existsSync(runLeaseFile(ana.mirror))).toBe(false);
    // Nothing is left half-done: the next publish goes through.
    expect((await ana.publish()).status).toBe('published');
  }, 120_000);

  it('a look that fails before publish waits for it is no unhandled rejection: publish reports it', async () => {
    const { lake, ana } = await changedLakehouse();
    const refusal = new LakehouseError('not-fabric-ready', 'refused early', 'fix it');
    const error = await ana.publish({ alongside: Promise.reject(refusal) }).catch((e: unknown) => e);
    expect(error).toBe(refusal);
    expect((await lake.guard.inspect()).status).toBe('free');
    expect(await countBlobs(lake.store, 'Tables/')).toBe(0);
  }, 120_000);

  it('runs alongside only over SQLite catalogs with no interrupted write', async () => {
    const { ana } = await changedLakehouse();
    expect(await gateRunsAlongside(ana.mirror)).toBe(true);
    writeFileSync(`${ana.mirror.catalogFile}-journal`, 'hot');
    expect(await gateRunsAlongside(ana.mirror)).toBe(false);
  }, 120_000);
});
