import { existsSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../../src/cli/exitCodes';
import { CancelledError } from '../../../src/core/errors';
import { PublishIncompleteError } from '../../../src/core/publish/commitEvidence';
import { findOrphans } from '../../../src/core/publish/orphans';
import { md5OfBytes } from '../../../src/core/storage/contentHash';
import { countBlobs, Developer } from '../support/developer';
import { freshLakehouse, FLAVORS } from '../support/lakehouse';

const developers: Developer[] = [];
afterEach(() => developers.splice(0).forEach((d) => d.close()));

describe.each(FLAVORS)('cancelling a publish, and the orphans it leaves (%s)', (flavor) => {
  it('cancel after the uploads: remote catalog untouched, lease free, journal gone; the orphans are listed and cleaned', async () => {
    const lake = await freshLakehouse({ flavor });
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const ana = await Developer.create(lake, 'ana');
    developers.push(ana);
    await ana.pull();
    await ana.run(
      'CREATE TABLE lake.main.readings AS SELECT range AS id FROM range(5000)',
      'CREATE TABLE lake.main.sites AS SELECT range AS id FROM range(10)',
    );
    const catalogBefore = md5OfBytes(await lake.store.blob('Files/metadata.db').downloadToBuffer());

    const controller = new AbortController();
    const error = await ana
      .publish({
        signal: controller.signal,
        onStep: (step) => (step === 'data-uploaded' ? controller.abort() : undefined),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CancelledError);
    expect(md5OfBytes(await lake.store.blob('Files/metadata.db').downloadToBuffer())).toBe(catalogBefore);
    expect((await lake.guard.inspect()).status).toBe('free');
    expect(await countBlobs(lake.store, 'Tables/')).toBe(2);

    // The two uploaded files are orphans; fresh ones are kept unless old enough.
    const listed = await findOrphans({ entry: lake.entry, store: lake.store, session: ana.session, guard: lake.guard });
    expect(listed.orphans.map((o) => o.path).sort()).toEqual([
      expect.stringMatching(/^Tables\/main\/readings\/ducklake-.*\.parquet$/),
      expect.stringMatching(/^Tables\/main\/sites\/ducklake-.*\.parquet$/),
    ]);
    expect(listed.orphans.every((o) => o.recent)).toBe(true);
    const kept = await findOrphans({
      entry: lake.entry,
      store: lake.store,
      session: ana.session,
      guard: lake.guard,
      delete: true,
    });
    expect(kept.deleted).toBe(0);
    const cleaned = await findOrphans({
      entry: lake.entry,
      store: lake.store,
      session: ana.session,
      guard: lake.guard,
      delete: true,
      minAgeMs: 0,
    });
    expect(cleaned.deleted).toBe(2);
    expect(await countBlobs(lake.store, 'Tables/')).toBe(0);
    expect((await lake.guard.inspect()).status).toBe('free');

    // Publishing again afterwards works and leaves no orphans.
    expect((await ana.publish()).status).toBe('published');
    expect(
      (await findOrphans({ entry: lake.entry, store: lake.store, session: ana.session, guard: lake.guard })).orphans,
    ).toEqual([]);
  });

  it('cancel after the commit point is never silent: it says what the lakehouse holds and what Publish does next; the rerun finishes', async () => {
    const lake = await freshLakehouse({ flavor });
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const ana = await Developer.create(lake, 'ana');
    developers.push(ana);
    await ana.pull();
    await ana.run('CREATE TABLE lake.main.readings AS SELECT range AS id FROM range(5000)');
    const controller = new AbortController();
    const error = await ana
      .publish({
        signal: controller.signal,
        onStep: (step) => (step === 'committed' ? controller.abort() : undefined),
      })
      .catch((e: unknown) => e);
    // Not a CancelledError (which the editor only logs): an error with the state and the next step.
    expect(error).not.toBeInstanceOf(CancelledError);
    expect(error).toBeInstanceOf(PublishIncompleteError);
    expect((error as PublishIncompleteError).code).toBe('publish-incomplete');
    expect((error as Error).message).toBe(
      'Publish was cancelled after the commit point: the remote metadata.db already holds your changes (main.readings), ' +
        'so anyone who pulls gets them, but the Delta tables Fabric reads may not show them yet. The lease was released; nothing is lost.',
    );
    expect((error as PublishIncompleteError).hint).toMatch(/^Run Publish again: it recognises the commit/);
    expect(exitCodeFor(error)).toBe(14);
    // What it said is true: the remote holds the local catalog, no Delta log yet, lease free, journal kept.
    expect(md5OfBytes(await lake.store.blob('Files/metadata.db').downloadToBuffer())).toBe(
      md5OfBytes(readFileSync(ana.mirror.catalogFile)),
    );
    expect(await countBlobs(lake.store, 'Tables/main/readings/_delta_log/')).toBe(0);
    expect((await lake.guard.inspect()).status).toBe('free');
    expect(existsSync(ana.mirror.journalFile)).toBe(true);
    // And Publish does what it said.
    const rerun = await ana.publish();
    expect(rerun.status).toBe('finished-earlier-publish');
    expect(await countBlobs(lake.store, 'Tables/main/readings/_delta_log/')).toBe(1);
    expect(existsSync(ana.mirror.journalFile)).toBe(false);
  });
});
