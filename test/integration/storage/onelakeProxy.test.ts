import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { openLakehouseStore, type LakehouseStore } from '../../../src/core/storage/blobStore';
import { loopbackTestCredential } from '../../../src/core/storage/endpoint';
import { parseLocation } from '../../../src/core/storage/location';
import { storageError } from '../../../src/core/storage/storageErrors';
import { startOneLakeProxy, type OneLakeProxy } from '../../support/onelakeProxy';

let proxy: OneLakeProxy;
beforeAll(async () => {
  proxy = await startOneLakeProxy({ azurite: inject('azuriteUrl') });
});
afterAll(() => proxy.stop());

async function lakehouse(form: 'name' | 'guid' = 'name') {
  const workspace = `Proxy Tests ${randomBytes(3).toString('hex').toUpperCase()}`;
  const lh = await proxy.addLakehouse({ workspace, item: 'sales' });
  const uri = form === 'name' ? `onelake://${workspace}/${lh.item}` : `onelake://${lh.workspaceId}/${lh.itemId}`;
  const store = await openLakehouseStore(
    parseLocation(uri),
    { kind: 'token', credential: loopbackTestCredential() },
    { oneLakeEndpoint: proxy.blobEndpoint },
  );
  return { lh, store, workspace };
}

const fail = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => storageError(e),
  );

describe('OneLake-shaped proxy in front of strict Azurite', () => {
  it('serves a workspace with spaces and capitals by name and by GUID as the same files', async () => {
    const { lh, store, workspace } = await lakehouse('name');
    await store.blob('Files/hello.txt').uploadData(Buffer.from('hello'));
    const byGuid = await openLakehouseStore(
      parseLocation(`abfss://${lh.workspaceId}@onelake.dfs.fabric.microsoft.com/${lh.itemId}`),
      { kind: 'token', credential: loopbackTestCredential() },
      { oneLakeEndpoint: proxy.blobEndpoint },
    );
    expect((await byGuid.blob('Files/hello.txt').downloadToBuffer()).toString()).toBe('hello');
    const names: string[] = [];
    for await (const b of byGuid.container.listBlobsFlat({ prefix: `${lh.itemId}/Files/` })) names.push(b.name);
    expect(names).toEqual([`${lh.itemId}/Files/hello.txt`]);
    expect(workspace).not.toBe(lh.container); // the Azurite container is a mapped name
  });

  it('accepts bearer tokens only', async () => {
    const { store, lh } = await lakehouse();
    const res = await fetch(`${proxy.blobEndpoint}/${encodeURIComponent(lh.workspace)}/${lh.item}/Files/x`);
    expect(res.status).toBe(401);
    expect(res.headers.get('x-ms-error-code')).toBe('InvalidAuthenticationInfo');
    await store.blob('Files/x').uploadData(Buffer.from('x'));
    expect((await store.blob('Files/x').getProperties()).contentLength).toBe(1);
  });

  it('refuses creating or deleting workspace and item folders, and unknown items', async () => {
    const { store } = await lakehouse();
    expect(await fail(store.container.create())).toMatchObject({ status: 403, code: 'OperationNotPermitted' });
    expect(await fail(store.container.delete())).toMatchObject({ status: 403, code: 'OperationNotPermitted' });
    const itemFolder = store.container.getBlockBlobClient(store.location.item);
    expect(await fail(itemFolder.uploadData(Buffer.from('')))).toMatchObject({ status: 403 });
    expect(await fail(itemFolder.delete())).toMatchObject({ status: 403 });
    const other = store.container.getBlockBlobClient('other.Lakehouse/Files/x');
    expect(await fail(other.uploadData(Buffer.from('x')))).toMatchObject({ status: 403 });
  });

  it('answers 409 BlobOperationNotSupported to Put Block and Put Block List onto an existing file, not onto a new one', async () => {
    const { store } = await lakehouse();
    const blob = store.blob('Files/big.bin');
    const data = randomBytes(3 * 1024);
    // A NEW blob may be built from blocks.
    await blob.uploadData(data, { maxSingleShotSize: 1024, blockSize: 1024 });
    expect(proxy.requests.byOperation.PutBlock).toBeGreaterThanOrEqual(3);
    expect(Buffer.compare(await blob.downloadToBuffer(), data)).toBe(0);
    // Onto the existing file the same upload is refused, and the file is untouched.
    const refused = await fail(blob.uploadData(randomBytes(3 * 1024), { maxSingleShotSize: 1024, blockSize: 1024 }));
    expect(refused).toMatchObject({ status: 409, code: 'BlobOperationNotSupported' });
    const id = Buffer.from('0000').toString('base64');
    expect(await fail(blob.commitBlockList([id]))).toMatchObject({ status: 409, code: 'BlobOperationNotSupported' });
    expect(Buffer.compare(await blob.downloadToBuffer(), data)).toBe(0);
    // A single Put Blob replaces it.
    await blob.uploadData(Buffer.from('small'));
    expect((await blob.downloadToBuffer()).toString()).toBe('small');
    expect(proxy.requests.refused.BlobOperationNotSupported).toBeGreaterThanOrEqual(2);
  });

  it('strips and names the headers OneLake ignores (tier, ACL, owner, encryption scope)', async () => {
    const { store } = await lakehouse();
    const blob = store.blob('Files/tiered.txt');
    const response = await blob.uploadData(Buffer.from('t'), { tier: 'Cool' });
    const raw = response._response.headers.get('x-ms-rejected-headers');
    expect(raw?.split(',')).toContain('x-ms-access-tier');
    // Azurite never saw the tier: the blob keeps its default.
    expect((await blob.getProperties()).accessTier).not.toBe('Cool');
  });

  it('counts requests by operation, and resets', async () => {
    const { store } = await lakehouse();
    proxy.reset();
    expect(proxy.requests.total).toBe(0);
    const blob = store.blob('Files/metadata.db');
    await blob.uploadData(Buffer.from('catalog'));
    const lease = blob.getBlobLeaseClient();
    await lease.acquireLease(-1);
    await blob.getProperties();
    await lease.releaseLease();
    expect(proxy.requests.byOperation).toEqual({
      PutBlob: 1,
      LeaseAcquire: 1,
      GetBlobProperties: 1,
      LeaseRelease: 1,
    });
    expect(proxy.requests.total).toBe(4);
  });

  it('maps a Copy Blob source to the same workspace in Azurite', async () => {
    const { store } = await lakehouse();
    await store.blob('Files/a.txt').uploadData(Buffer.from('copied'));
    const poller = await store.blob('Files/b.txt').beginCopyFromURL(store.blob('Files/a.txt').url);
    await poller.pollUntilDone();
    expect((await store.blob('Files/b.txt').downloadToBuffer()).toString()).toBe('copied');
  });
});

export type { LakehouseStore };
