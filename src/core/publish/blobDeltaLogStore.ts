import type { DeltaLogStore } from '../delta';
import type { LakehouseStore } from '../storage/blobStore';
import { normalizeItemPath } from '../storage/location';
import { readBlobBytes, retryCutOff } from '../storage/retryingRead';
import { isStorageCode, storageError, storageFailure } from '../storage/storageErrors';

/**
 * Delta logs on blob storage, rooted at the catalog's data folder (`Tables/`).
 * Commit files are put-if-absent (If-None-Match *): a second writer of the
 * same version is told it lost instead of overwriting the first.
 */
export function blobDeltaLogStore(store: LakehouseStore, dataPrefix: string): DeltaLogStore {
  const full = (path: string) => normalizeItemPath(`${dataPrefix}${path}`);
  const read = async (path: string): Promise<Uint8Array | undefined> => {
    try {
      // A log read cut off mid-body is read again, not reported as "The operation was aborted.".
      return new Uint8Array(await readBlobBytes(store.blob(full(path))));
    } catch (error) {
      if (storageError(error).status === 404) return undefined;
      throw storageFailure(`read ${full(path)}`, error);
    }
  };
  return {
    read,
    async readHead(path, bytes) {
      try {
        // One ranged GET: a commit's first line without its add lines.
        return await retryCutOff(async () => {
          const response = await store.blob(full(path)).download(0, bytes);
          return new Uint8Array(await streamBytes(response.readableStreamBody));
        });
      } catch (error) {
        const status = storageError(error).status;
        if (status === 404) return undefined;
        if (status === 416) return read(path); // an empty object has no first byte to range from
        throw storageFailure(`read ${full(path)}`, error);
      }
    },
    async list(dir) {
      const prefix = `${store.location.item}/${full(dir)}/`;
      const names: string[] = [];
      try {
        for await (const item of store.container.listBlobsByHierarchy('/', { prefix })) {
          if (item.kind === 'blob') names.push(item.name.slice(prefix.length));
        }
      } catch (error) {
        throw storageFailure(`list ${full(dir)}`, error);
      }
      return names;
    },
    async putIfAbsent(path, bytes) {
      try {
        await store.blob(full(path)).uploadData(asBuffer(bytes), { conditions: { ifNoneMatch: '*' } });
        return 'written';
      } catch (error) {
        if (!isStorageCode(error, 'BlobAlreadyExists') && storageError(error).status !== 409)
          throw storageFailure(`write ${full(path)}`, error);
        // The SDK retries a put whose answer was lost; its retry finds our own object. Same bytes
        // (commit files carry timestamps, so another writer's differ) means we wrote it.
        const existing = await read(path);
        return existing && Buffer.from(existing).equals(Buffer.from(bytes)) ? 'written' : 'exists';
      }
    },
    async put(path, bytes) {
      try {
        await store.blob(full(path)).uploadData(asBuffer(bytes));
      } catch (error) {
        throw storageFailure(`write ${full(path)}`, error);
      }
    },
  };
}

/** The bytes as a Buffer over the same memory: Buffer.from(Uint8Array) would copy a 10k-file commit's 4.6 MB. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

async function streamBytes(stream: NodeJS.ReadableStream | undefined): Promise<Buffer> {
  const chunks: Buffer[] = [];
  if (stream) for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}
