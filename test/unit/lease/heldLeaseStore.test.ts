import { describe, expect, it } from 'vitest';
import { HeldLeaseStore, type LeaseMemento } from '../../../src/extension/heldLeaseStore';
import type { HeldLease } from '../../../src/core/lease/leaseGuard';

/** workspaceState as VS Code keeps it: values survive as JSON (a reload reads them back). */
class JsonMemento implements LeaseMemento {
  readonly values = new Map<string, string>();
  get<T>(key: string): T | undefined {
    const text = this.values.get(key);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }
  update(key: string, value: unknown): Promise<void> {
    if (value === undefined) this.values.delete(key);
    else this.values.set(key, JSON.stringify(value));
    return Promise.resolve();
  }
}

const held = (leaseId: string, runId: string): HeldLease => ({
  leaseId,
  etag: '"0x1"',
  stamp: {
    acquired_at: '2026-11-29T16:00:00.000Z',
    holder: 'ana@laptop',
    run_id: runId,
    tool: 'lakehouse-dev/0.1.0',
    operation: 'manual',
  },
});

describe('HeldLeaseStore', () => {
  it('keeps each held lease across a new store over the same state, and forgets a released one', async () => {
    const memento = new JsonMemento();
    await new HeldLeaseStore(memento).save('k1', 'sales', 'Files/metadata.db', held('lease-1', 'run-1'));
    await new HeldLeaseStore(memento).save('k2', 'hr', 'Files/metadata.db', held('lease-2', 'run-2'));

    const after = new HeldLeaseStore(memento); // the window after a reload
    expect(after.get('k1')).toEqual({
      key: 'k1',
      lakehouse: 'sales',
      catalogPath: 'Files/metadata.db',
      leaseId: 'lease-1',
      stamp: held('lease-1', 'run-1').stamp,
    });
    expect(after.all().map((r) => r.leaseId)).toEqual(['lease-1', 'lease-2']);
    // The ETag changes with every write; it is not kept.
    expect(JSON.stringify(after.all())).not.toContain('0x1');

    await after.remove('k1');
    expect(new HeldLeaseStore(memento).all().map((r) => r.key)).toEqual(['k2']);
    await after.remove('k2');
    expect(memento.values.size).toBe(0);
  });

  it('replaces the record of a lease re-taken on the same catalog', async () => {
    const store = new HeldLeaseStore(new JsonMemento());
    await store.save('k1', 'sales', 'Files/metadata.db', held('lease-1', 'run-1'));
    await store.save('k1', 'sales', 'Files/metadata.db', held('lease-1', 'run-9'));
    expect(store.all()).toHaveLength(1);
    expect(store.get('k1')?.stamp.run_id).toBe('run-9');
  });

  it('skips stored values that are not a complete record', async () => {
    const memento = new JsonMemento();
    await memento.update('lakehouse.heldLeases', [
      { key: 'k1', lakehouse: 'sales', catalogPath: 'Files/metadata.db', leaseId: '', stamp: held('x', 'r').stamp },
      { key: 'k2', lakehouse: 'sales', catalogPath: 'Files/metadata.db', leaseId: 'l' },
      'garbage',
      {
        key: 'k3',
        lakehouse: 'sales',
        catalogPath: 'Files/metadata.db',
        leaseId: 'lease-3',
        stamp: held('x', 'r').stamp,
      },
    ]);
    expect(new HeldLeaseStore(memento).all().map((r) => r.key)).toEqual(['k3']);
    await memento.update('lakehouse.heldLeases', { not: 'a list' });
    expect(new HeldLeaseStore(memento).all()).toEqual([]);
  });
});
