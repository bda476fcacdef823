import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BlockBlobClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { CatalogChangedError, LeaseLostError } from '../../../src/core/lease/leaseErrors';
import { LeaseGuard } from '../../../src/core/lease/leaseGuard';
import { md5OfBytes } from '../../../src/core/storage/contentHash';
import { storageError } from '../../../src/core/storage/storageErrors';
import { uploadIfAbsent } from '../../../src/core/storage/transfer';
import { readWithDuckDBDelta } from '../delta/helpers';
import { Developer, downloadFolder } from '../support/developer';
import { FLAVORS, freshLakehouse, guardFor, oneLakeRig } from '../support/lakehouse';

const LIMIT = 64 * 1024;

function tempFile(bytes: Uint8Array): string {
  const file = join(mkdtempSync(join(tmpdir(), 'lakehouse-large-')), 'metadata.db');
  writeFileSync(file, bytes);
  return file;
}

async function stagingLeft(lake: Awaited<ReturnType<typeof freshLakehouse>>): Promise<string[]> {
  const names: string[] = [];
  for await (const b of lake.store.container.listBlobsFlat({ prefix: `${lake.store.location.item}/Files/` }))
    if (b.name.includes('.staging-')) names.push(b.name);
  return names;
}

/** A guard like the lake's own, with the single-shot limit lowered and a hook after staging. */
function guardWithHook(lake: Awaited<ReturnType<typeof freshLakehouse>>, afterStaging: () => Promise<void>) {
  return new LeaseGuard({
    blob: lake.store.blob(lake.entry.catalogPath),
    catalogName: 'metadata.db',
    staleAfterMs: lake.entry.staleAfterMs,
    holder: 'test@runner',
    tool: 'lakehouse-dev/test',
    singleShotLimitBytes: LIMIT,
    stagingBlob: (suffix) => {
      const real = lake.store.blob(`${lake.entry.catalogPath}${suffix}`);
      const hooked = Object.create(real) as BlockBlobClient;
      hooked.uploadFile = async (...args: Parameters<BlockBlobClient['uploadFile']>) => {
        const response = await real.uploadFile(...args);
        await afterStaging();
        return response;
      };
      return hooked;
    },
  });
}

describe.each(FLAVORS)('a catalog larger than one request (%s)', (flavor) => {
  it('commits atomically under the lease: readers see old or new, never a mix; the stamp and MD5 hold', async () => {
    const lake = await freshLakehouse({ flavor, singleShotLimitBytes: LIMIT });
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const blob = lake.store.blob(lake.entry.catalogPath);
    const oldMd5 = md5OfBytes(await blob.downloadToBuffer());
    const next = randomBytes(5 * LIMIT + 123);
    const held = await lake.guard.acquire({ operation: 'publish' });

    if (flavor === 'onelake') {
      // Why: the SDK's own multi-request upload is Put Block + Put Block List, which OneLake refuses onto the file.
      const naive = await blob
        .uploadData(next, { maxSingleShotSize: LIMIT, blockSize: LIMIT, conditions: { leaseId: held.leaseId } })
        .catch((e: unknown) => storageError(e));
      expect(naive).toMatchObject({ status: 409, code: 'BlobOperationNotSupported' });
      expect(md5OfBytes(await blob.downloadToBuffer())).toBe(oldMd5);
    }

    // Each read is ONE Get Blob (downloadToBuffer would read the size first, then ranges, and could
    // stitch two versions together itself).
    let done = false;
    const seen: string[] = [];
    const reader = (async () => {
      while (!done) {
        const response = await blob.download();
        const chunks: Buffer[] = [];
        for await (const chunk of response.readableStreamBody!) chunks.push(chunk as Buffer);
        seen.push(md5OfBytes(Buffer.concat(chunks)));
      }
    })();
    const proxy = flavor === 'onelake' ? await oneLakeRig() : undefined;
    proxy?.reset();
    await lake.guard.upload(held, { file: tempFile(next) });
    done = true;
    await reader;

    expect(Buffer.compare(await blob.downloadToBuffer(), next)).toBe(0);
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen.filter((m) => m !== oldMd5 && m !== md5OfBytes(next)))).toEqual(new Set());
    const props = await blob.getProperties();
    expect(Buffer.from(props.contentMD5!).toString('base64')).toBe(md5OfBytes(next));
    expect(props.metadata).toMatchObject({ holder: 'test@runner', run_id: held.stamp.run_id, operation: 'publish' });
    expect(props.etag).toBe(held.etag);
    expect((await lake.guard.inspect()).status).toBe('held');
    await lake.guard.verify(held);
    expect(await stagingLeft(lake)).toEqual([]);
    if (proxy) {
      expect(proxy.requests.byOperation.CopyBlob).toBe(1);
      // Blocks built the NEW staging blob; the catalog itself was replaced by one Copy Blob.
      expect(proxy.requests.byOperation.PutBlock).toBeGreaterThanOrEqual(1);
      expect(proxy.requests.byOperation.PutBlockList).toBe(1);
      expect(proxy.requests.refused).toEqual({});
    }
    // The next commit (small again) is one Put Blob, still If-Match the ETag the copy left.
    await lake.guard.upload(held, new TextEncoder().encode('small again'));
    expect((await blob.downloadToBuffer()).toString()).toBe('small again');
    await lake.guard.release(held);
  });

  it('a lease lost between staging and the copy leaves the old catalog', async () => {
    const lake = await freshLakehouse({ flavor });
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const blob = lake.store.blob(lake.entry.catalogPath);
    const old = await blob.downloadToBuffer();
    const guard = guardWithHook(lake, () =>
      guardFor(lake.entry, lake.store)
        .forceBreak()
        .then(() => undefined),
    );
    const held = await guard.acquire({ operation: 'publish' });
    const error = await guard.upload(held, { file: tempFile(randomBytes(3 * LIMIT)) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeaseLostError);
    expect(Buffer.compare(await blob.downloadToBuffer(), old)).toBe(0);
    expect(await stagingLeft(lake)).toEqual([]);
  });

  it('a stale ETag refuses the staged copy and leaves the catalog as it was', async () => {
    const lake = await freshLakehouse({ flavor, singleShotLimitBytes: LIMIT });
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const blob = lake.store.blob(lake.entry.catalogPath);
    const old = await blob.downloadToBuffer();
    const held = await lake.guard.acquire({ operation: 'publish' });
    const stale = { ...held, etag: '"0x8D000000000000"' };
    const error = await lake.guard.upload(stale, { file: tempFile(randomBytes(3 * LIMIT)) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CatalogChangedError);
    expect(Buffer.compare(await blob.downloadToBuffer(), old)).toBe(0);
    expect(await stagingLeft(lake)).toEqual([]);
    await lake.guard.release(held);
  });

  it('uploads a data file of any size as a new blob (blocks allowed), and a rerun finds it there', async () => {
    const lake = await freshLakehouse({ flavor });
    const bytes = randomBytes(4 * LIMIT);
    const file = tempFile(bytes);
    const target = lake.store.blob('Tables/main/t/ducklake-1.parquet');
    const proxy = flavor === 'onelake' ? await oneLakeRig() : undefined;
    proxy?.reset();
    expect(await uploadIfAbsent(target, file, undefined, { maxSingleShotSize: LIMIT })).toBe('written');
    if (proxy) expect(proxy.requests.byOperation.PutBlockList).toBe(1);
    expect(
      await uploadIfAbsent(target, tempFile(randomBytes(4 * LIMIT)), undefined, { maxSingleShotSize: LIMIT }),
    ).toBe('exists');
    expect(Buffer.compare(await target.downloadToBuffer(), bytes)).toBe(0);
  });

  it('a publish whose catalog is over the limit commits by staged copy and reads back', async () => {
    const lake = await freshLakehouse({ flavor, singleShotLimitBytes: 16 * 1024 });
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const ana = await Developer.create(lake, 'ana');
    try {
      await ana.pull();
      await ana.run('CREATE TABLE lake.main.readings AS SELECT range AS id, range % 7 AS site FROM range(4000)');
      const proxy = flavor === 'onelake' ? await oneLakeRig() : undefined;
      proxy?.reset();
      expect((await ana.publish()).status).toBe('published');
      const remote = await lake.store.blob('Files/metadata.db').downloadToBuffer();
      expect(remote.byteLength).toBeGreaterThan(16 * 1024);
      expect(md5OfBytes(remote)).toBe(md5OfBytes(readFileSync(ana.mirror.catalogFile)));
      if (proxy) {
        expect(proxy.requests.byOperation.CopyBlob).toBe(1);
        expect(proxy.requests.refused).toEqual({});
      }
      expect((await readWithDuckDBDelta(await downloadFolder(lake.store, 'Tables/main/readings'))).rows).toBe(4000);
      expect((await lake.guard.inspect()).status).toBe('free');
    } finally {
      ana.close();
    }
  });
});
