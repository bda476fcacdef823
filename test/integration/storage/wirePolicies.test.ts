import { describe, expect, it } from 'vitest';
import { wirePolicyNames } from '../../../src/core/storage/wirePolicies';
import { freshLakehouse } from '../support/lakehouse';

describe('the storage client pipeline', () => {
  it('has no form-data policy on the clients that send (its FormData check loads undici) and still works', async () => {
    const { store } = await freshLakehouse();
    const blob = store.blob('Files/pipeline-check.txt');
    for (const client of [store.container, blob]) {
      const names = wirePolicyNames(client);
      expect(names).toContain('lakehouseRequestCounter');
      expect(names).toContain('lakehouseStallTimeout');
      expect(names).not.toContain('formDataPolicy');
    }

    const before = store.counter.total;
    await blob.uploadData(Buffer.from('pipeline check'), { conditions: { ifNoneMatch: '*' } });
    expect((await blob.downloadToBuffer()).toString()).toBe('pipeline check');
    const lease = blob.getBlobLeaseClient();
    await lease.acquireLease(15);
    await blob.setMetadata({ holder: 'test' }, { conditions: { leaseId: lease.leaseId } });
    await lease.releaseLease();
    expect((await blob.getProperties()).metadata).toEqual({ holder: 'test' });
    // upload, download (the SDK may split it), acquire, set metadata, release, properties: all counted on the wire.
    expect(store.counter.total - before).toBeGreaterThanOrEqual(6);
  });
});
