import type { BlockBlobClient } from '@azure/storage-blob';
import { downloadBlobToFile } from './retryingRead';
import { isStorageCode, storageError, StorageError } from './storageErrors';

/** Downloads a blob to a file (a cut-off body is read again); returns the ETag the bytes belong to. */
export async function downloadToFile(blob: BlockBlobClient, dest: string, signal?: AbortSignal): Promise<string> {
  try {
    return (await downloadBlobToFile(blob, dest, signal)).etag;
  } catch (error) {
    throw new StorageError(`download ${blob.name}`, error);
  }
}

/**
 * Uploads a file only if no blob exists at that name (If-None-Match *).
 * Data files are immutable in DuckLake: an existing one is the same file, so
 * 'exists' is success — which makes a rerun after a crash idempotent.
 */
export async function uploadIfAbsent(
  blob: BlockBlobClient,
  file: string,
  signal?: AbortSignal,
): Promise<'written' | 'exists'> {
  try {
    await blob.uploadFile(file, { conditions: { ifNoneMatch: '*' }, abortSignal: signal });
    return 'written';
  } catch (error) {
    if (isStorageCode(error, 'BlobAlreadyExists') || storageError(error).status === 409) return 'exists';
    throw new StorageError(`upload ${blob.name}`, error);
  }
}
