import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MARKER_KEY, type ExportMarker } from '../../../src/core/delta/actions';
import { fsDeltaLogStore } from '../../../src/core/delta/fsLogStore';
import { readCommitMarker } from '../../../src/core/delta/logReader';
import type { DeltaLogStore } from '../../../src/core/delta/logStore';
import { blobDeltaLogStore } from '../../../src/core/publish/blobDeltaLogStore';
import { FLAVORS, freshLakehouse } from '../support/lakehouse';

const roots: string[] = [];
afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

const marker: ExportMarker = {
  snapshotId: 7,
  tableId: 1,
  tableUuid: null,
  numFiles: 3000,
  numRecords: 60000,
  filesHash: `s1:${'a'.repeat(64)}`,
  metadataHash: 'b'.repeat(64),
  partitionColumns: [],
};

/** A commit like version 0 of a big table: our marker first, then ~1 MB of add lines. */
function bigCommit(firstLinePadding = ''): Uint8Array {
  const first = JSON.stringify({ commitInfo: { operation: 'WRITE', pad: firstLinePadding, [MARKER_KEY]: marker } });
  const add = (i: number) =>
    JSON.stringify({ add: { path: `p=${i}/f.parquet`, size: i, stats: '{"numRecords":20}'.padEnd(300, ' ') } });
  return new TextEncoder().encode([first, ...Array.from({ length: 3000 }, (_, i) => add(i))].join('\n') + '\n');
}

/** The store, recording how many bytes each request brought back. */
function measured(store: DeltaLogStore) {
  const received: number[] = [];
  const count = async (bytes: Promise<Uint8Array | undefined>) => {
    const result = await bytes;
    received.push(result?.length ?? 0);
    return result;
  };
  const wrapped: DeltaLogStore = {
    ...store,
    read: (path) => count(store.read(path)),
    readHead: (path, n) => count(store.readHead!(path, n)),
  };
  return { store: wrapped, received };
}

async function stores(): Promise<Array<[string, DeltaLogStore]>> {
  const root = await mkdtemp(join(tmpdir(), 'delta-head-'));
  roots.push(root);
  const result: Array<[string, DeltaLogStore]> = [['local folder', fsDeltaLogStore(root)]];
  for (const flavor of FLAVORS) {
    const { store } = await freshLakehouse({ flavor });
    result.push([flavor, blobDeltaLogStore(store, 'Tables/')]);
  }
  return result;
}

describe('a commit marker is read from the head of the commit, not the whole file', () => {
  it('readHead gives the first bytes, all of a shorter object, nothing for a missing one', async () => {
    for (const [name, store] of await stores()) {
      await store.putIfAbsent('s/t/_delta_log/00000000000000000000.json', new TextEncoder().encode('0123456789'));
      const head = (n: number) => store.readHead!('s/t/_delta_log/00000000000000000000.json', n);
      expect(new TextDecoder().decode(await head(4)), name).toBe('0123');
      expect(new TextDecoder().decode(await head(64)), name).toBe('0123456789');
      expect(await store.readHead!('s/t/_delta_log/00000000000000000009.json', 4), name).toBeUndefined();
    }
  });

  it('reads ~64 KB of a 1 MB commit for its marker; a first line longer than that is read whole', async () => {
    for (const [name, plain] of await stores()) {
      const commit = bigCommit();
      expect(commit.length).toBeGreaterThan(900_000);
      await plain.putIfAbsent('s/t/_delta_log/00000000000000000000.json', commit);
      const { store, received } = measured(plain);
      expect(await readCommitMarker(store, 's/t/', 0), name).toEqual(marker);
      expect(received, name).toEqual([64 * 1024]);

      const long = bigCommit('x'.repeat(70_000));
      await plain.putIfAbsent('s/u/_delta_log/00000000000000000000.json', long);
      const again = measured(plain);
      expect(await readCommitMarker(again.store, 's/u/', 0), name).toEqual(marker);
      expect(again.received, name).toEqual([64 * 1024, long.length]);

      expect(await readCommitMarker(store, 's/v/', 0), name).toBeUndefined();
    }
  });
});
