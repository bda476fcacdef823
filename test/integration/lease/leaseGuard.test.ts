import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  CatalogBusyError,
  CatalogChangedError,
  LeaseLostError,
  LeaseNotStaleError,
} from '../../../src/core/lease/leaseErrors';
import { md5OfBytes } from '../../../src/core/storage/contentHash';
import { freshLakehouse, guardFor, FLAVORS } from '../support/lakehouse';

const HOUR = 3_600_000;

describe.each(FLAVORS)('LeaseGuard on Azurite (%s)', (flavor) => {
  it('creates an empty DuckLake catalog when there is none, leases and stamps it, and releases', async () => {
    const { store, guard, entry } = await freshLakehouse({ flavor });
    const held = await guard.acquire({ operation: 'run' });
    const bytes = await store.blob(entry.catalogPath).downloadToBuffer();
    expect(bytes.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
    const view = await guard.inspect();
    expect(view.status).toBe('held');
    expect(view.stamp).toMatchObject({
      holder: 'test@runner',
      operation: 'run',
      run_id: held.stamp.run_id,
      tool: 'lakehouse-dev/test',
    });
    expect(view.sinceSource).toBe('stamp');
    await guard.release(held);
    expect((await guard.inspect()).status).toBe('free');
  });

  it('never names a released holder as the one holding the lease now (the stamp outlives the lease)', async () => {
    const { guard, entry, store } = await freshLakehouse({ flavor });
    const blob = store.blob(entry.catalogPath);
    const held = await guard.acquire({ operation: 'publish' });
    // A publish commit writes parent_md5 beside the stamp; commit evidence needs it after the release.
    await guard.upload(held, await blob.downloadToBuffer(), { parent_md5: 'cGFyZW50' });
    await guard.release(held);
    const released = await blob.getProperties();
    expect(released.leaseState).toBe('available');
    expect(released.metadata).toMatchObject({ holder: 'test@runner', parent_md5: 'cGFyZW50' });
    expect(released.metadata?.released_at).toMatch(/^\d{4}-\d\d-\d\dT/);

    // The race's winner has leased the blob but not stamped it yet; a loser asks who holds it.
    const winner = blob.getBlobLeaseClient();
    await winner.acquireLease(-1);
    const view = await guard.inspect();
    expect(view.status).toBe('held');
    expect(view.stamp).toBeUndefined();
    expect(view.previous?.holder).toBe('test@runner');
    // A loser re-reads a few times for the stamp; one that never comes is said as it is.
    const waits: number[] = [];
    const loser = guardFor(entry, store, { holder: 'bob@desk', pause: async (ms) => void waits.push(ms) });
    const error = await loser.acquire({ operation: 'run' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogBusyError);
    const message = (error as Error).message;
    expect(message).not.toMatch(/held by test@runner/);
    expect(message).toMatch(
      /^metadata\.db is held by a new holder since \d\d:\d\d UTC, \d+ s ago \(just taken, not stamped yet; test@runner released it before\)/,
    );
    expect(waits.length).toBeGreaterThan(1);
    expect(waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(3_000);

    // The winner stamps while a second loser waits: that loser names it; its stamp carries no release mark.
    let stampedDuringWait = 0;
    const patient = guardFor(entry, store, {
      holder: 'dee@desk',
      pause: async () => {
        if (stampedDuringWait++ > 0) return;
        await blob.setMetadata(
          { holder: 'cy@box', run_id: 'r-cy', acquired_at: new Date().toISOString(), tool: 't', operation: 'run' },
          { conditions: { leaseId: winner.leaseId } },
        );
      },
    });
    const named = await patient.acquire({ operation: 'run' }).catch((e: unknown) => e);
    expect(named).toBeInstanceOf(CatalogBusyError);
    expect((named as Error).message).toMatch(/^metadata\.db is held by cy@box \(run, run r-cy\)/);
    expect(stampedDuringWait).toBe(1);
    const stamped = await guard.inspect();
    expect(stamped.stamp?.holder).toBe('cy@box');
    expect(stamped.previous).toBeUndefined();
  });

  it('refuses a second holder with the first one named, and never overwrites an existing catalog on create', async () => {
    const { guard, entry, store } = await freshLakehouse({ flavor });
    const held = await guard.acquire({ operation: 'publish' });
    const before = await store.blob(entry.catalogPath).getProperties();
    const other = guardFor(entry, store, { holder: 'bob@desk' });
    const error = await other.acquire({ operation: 'run' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogBusyError);
    expect((error as Error).message).toMatch(
      /^metadata\.db is held by test@runner \(publish, run [0-9a-f]{8}\) since \d\d:\d\d UTC, \d+ s ago; it can be broken as stale in 1[12] h/,
    );
    const after = await store.blob(entry.catalogPath).getProperties();
    expect(after.etag).toBe(before.etag);
    await guard.release(held);
  });

  it('keeps the stamp through a catalog upload, and refuses a lost update before writing', async () => {
    const { guard, entry, store } = await freshLakehouse({ flavor });
    const blob = store.blob(entry.catalogPath);
    await guard.release(await guard.acquire({ operation: 'setup' }));
    const pulledBytes = await blob.downloadToBuffer();
    const pulled = { etag: (await blob.getProperties()).etag!, md5: md5OfBytes(pulledBytes) };

    // Writer 1 and writer 2 both pulled `pulled`; writer 1 publishes first.
    const w1 = await guard.acquire({ operation: 'publish', expect: pulled });
    await guard.upload(w1, new TextEncoder().encode('catalog from writer 1'));
    const stamped = await blob.getProperties();
    expect(stamped.metadata).toMatchObject({ holder: 'test@runner', run_id: w1.stamp.run_id, operation: 'publish' });
    expect(Buffer.from(stamped.contentMD5!).toString('base64')).toBe(
      md5OfBytes(new TextEncoder().encode('catalog from writer 1')),
    );
    await guard.release(w1);

    const writer2 = guardFor(entry, store, { holder: 'bob@desk' });
    const error = await writer2.acquire({ operation: 'publish', expect: pulled }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogChangedError);
    expect((error as Error).message).toContain('changed since your pull (published by test@runner');
    expect((await blob.downloadToBuffer()).toString()).toBe('catalog from writer 1');
    expect((await guard.inspect()).status).toBe('free'); // the refused writer let go
  });

  it('does not count a lease taken and released in between as a change', async () => {
    const { guard, entry, store } = await freshLakehouse({ flavor });
    const blob = store.blob(entry.catalogPath);
    await guard.release(await guard.acquire({ operation: 'setup' }));
    const pulled = { etag: (await blob.getProperties()).etag!, md5: md5OfBytes(await blob.downloadToBuffer()) };
    const other = guardFor(entry, store, { holder: 'bob@desk' });
    await other.release(await other.acquire({ operation: 'run' })); // stamps: the ETag moves, content does not
    expect((await blob.getProperties()).etag).not.toBe(pulled.etag);
    const held = await guard.acquire({ operation: 'publish', expect: pulled });
    await guard.upload(held, new TextEncoder().encode('next catalog'));
    expect((await blob.downloadToBuffer()).toString()).toBe('next catalog');
    await guard.release(held);
  });

  it('measures a lease without a stamp from Last-Modified, so it is not instantly stale', async () => {
    const { guard, entry, store } = await freshLakehouse({ flavor, staleAfter: '1h' });
    const blob = store.blob(entry.catalogPath);
    await blob.uploadData(Buffer.from('not ours'));
    await blob.getBlobLeaseClient().acquireLease(-1); // another tool: lease, no stamp
    const view = await guard.inspect();
    expect(view.status).toBe('held');
    expect(view.sinceSource).toBe('last-modified');
    expect(view.since?.getTime()).toBe(view.lastModified?.getTime()); // measured from the last write, not a guess
    await expect(guard.breakIfStale()).rejects.toBeInstanceOf(LeaseNotStaleError);
    // A reader whose clock is hours ahead still judges on the service's clock: held.
    const ahead = guardFor(entry, store, { now: () => new Date(Date.now() + 2 * HOUR), staleAfterMs: HOUR });
    expect((await ahead.inspect()).status).toBe('held');
    // Past a short threshold on the service's clock, the same lease is stale and may be broken.
    const later = guardFor(entry, store, { staleAfterMs: 2_000 });
    for (let i = 0; i < 120 && (await later.inspect()).status !== 'stale'; i++) await sleep(250);
    expect((await later.inspect()).status).toBe('stale');
    await later.breakIfStale();
    expect((await guard.inspect()).status).toBe('broken');
  });

  it('reports a lease lost mid-run and writes nothing', async () => {
    const { guard, entry, store } = await freshLakehouse({ flavor });
    const blob = store.blob(entry.catalogPath);
    const held = await guard.acquire({ operation: 'run' });
    const content = await blob.downloadToBuffer();
    await guardFor(entry, store).forceBreak();
    const error = await guard.upload(held, new TextEncoder().encode('late write')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseLostError);
    expect((error as Error).message).toMatch(/lease on metadata\.db was lost .*nothing was written/);
    expect(Buffer.compare(await blob.downloadToBuffer(), content)).toBe(0);
    await expect(guard.verify(held)).rejects.toBeInstanceOf(LeaseLostError);
  });

  it('shows breaking and broken states and lets a broken lease be taken', async () => {
    const { guard, entry, store } = await freshLakehouse({ flavor });
    const blob = store.blob(entry.catalogPath);
    const held = await guard.acquire({ operation: 'run' });
    await blob.getBlobLeaseClient().breakLease(30);
    expect((await guard.inspect()).status).toBe('breaking');
    await blob.getBlobLeaseClient().breakLease(0);
    expect((await guard.inspect()).status).toBe('broken');
    const next = await guardFor(entry, store, { holder: 'carol@ci' }).acquire({ operation: 'run' });
    expect((await guard.inspect()).stamp?.holder).toBe('carol@ci');
    expect(next.leaseId).not.toBe(held.leaseId);
  });
});
