import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { LeaseGuard } from '../../../src/core/lease/leaseGuard';
import { openLakehouseStore } from '../../../src/core/storage/blobStore';
import { loopbackTestCredential } from '../../../src/core/storage/endpoint';
import { parseLocation } from '../../../src/core/storage/location';
import { IgnoredHeaderError, mustHonour } from '../../../src/core/storage/rejectedHeaders';
import { startOneLakeProxy, type OneLakeProxy } from '../../support/onelakeProxy';

/** A OneLake that (wrongly) stopped honouring some headers, to prove the product notices. */
let lax: OneLakeProxy;
beforeAll(async () => {
  lax = await startOneLakeProxy({ azurite: inject('azuriteUrl') });
});
afterAll(() => lax.stop());

async function open(tolerated: string[][] = []) {
  const lh = await lax.addLakehouse({ workspace: `Rejected ${randomBytes(3).toString('hex')}`, item: 'lh' });
  const store = await openLakehouseStore(
    parseLocation(`onelake://${lh.workspaceId}/${lh.itemId}`),
    { kind: 'token', credential: loopbackTestCredential() },
    { oneLakeEndpoint: lax.blobEndpoint, onIgnoredHeaders: (h) => tolerated.push(h) },
  );
  const guard = new LeaseGuard({
    blob: store.blob('Files/metadata.db'),
    catalogName: 'metadata.db',
    staleAfterMs: 3_600_000,
    holder: 'test@runner',
    tool: 'lakehouse-dev/test',
  });
  return { store, guard };
}

describe('x-ms-rejected-headers', () => {
  it('knows which ignored headers break a guarantee', () => {
    for (const h of [
      'x-ms-lease-id',
      'X-MS-LEASE-ACTION',
      'If-Match',
      'if-none-match',
      'If-Modified-Since',
      'x-ms-meta-holder',
      'x-ms-blob-content-md5',
    ])
      expect(mustHonour(h), h).toBe(true);
    for (const h of ['x-ms-access-tier', 'x-ms-acl', 'x-ms-owner', 'x-ms-encryption-scope'])
      expect(mustHonour(h), h).toBe(false);
  });

  it('logs a tolerable ignored header (tier) and carries on', async () => {
    const tolerated: string[][] = [];
    const { store } = await open(tolerated);
    await store.blob('Files/a.txt').uploadData(Buffer.from('a'), { tier: 'Cool' });
    expect(tolerated).toEqual([['x-ms-access-tier']]);
  });

  it('fails loudly with a typed error when If-Match or the lease id was ignored', async () => {
    const { store, guard } = await open();
    const held = await guard.acquire({ operation: 'publish' }).catch(async (e: unknown) => {
      // acquire needs a catalog first
      if (!(e instanceof Error) || !/does not exist/.test(e.message)) throw e;
      await store.blob('Files/metadata.db').uploadData(Buffer.from('v0'));
      return guard.acquire({ operation: 'publish' });
    });
    lax.ignoreHeaders(['if-match']);
    // A stale ETag: a service honouring If-Match refuses this; one that ignores it overwrites.
    const stale = { ...held, etag: '"0x8D000000000000"' };
    const error = await guard.upload(stale, new TextEncoder().encode('v1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IgnoredHeaderError);
    expect((error as IgnoredHeaderError).code).toBe('storage-header-ignored');
    expect((error as Error).message).toMatch(/ignored if-match on PUT \/.*metadata\.db/);

    lax.ignoreHeaders(['x-ms-lease-id']);
    const released = await guard.release(held).catch((e: unknown) => e);
    expect(released, String(released) + String((released as Error).cause)).toBeInstanceOf(IgnoredHeaderError);
    expect((released as IgnoredHeaderError).headers).toContain('x-ms-lease-id');
  });
});
