import type { BlockBlobClient } from '@azure/storage-blob';
import { downloadBlobToFile } from './retryingRead';
import { isStorageCode, storageError, storageFailure } from './storageErrors';

/** Downloads a blob to a file (a cut-off body is read again); returns the ETag the bytes belong to. */
export async function downloadToFile(blob: BlockBlobClient, dest: string, signal?: AbortSignal): Promise<string> {
  try {
    return (await downloadBlobToFile(blob, dest, signal)).etag;
  } catch (error) {
    throw storageFailure(`download ${blob.name}`, error);
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
  options: { maxSingleShotSize?: number } = {},
): Promise<'written' | 'exists'> {
  try {
    // A new blob may be built from blocks (large files). Onto an existing one OneLake refuses
    // the first Put Block with 409 BlobOperationNotSupported, which means 'exists' here too.
    await blob.uploadFile(file, {
      conditions: { ifNoneMatch: '*' },
      abortSignal: signal,
      maxSingleShotSize: options.maxSingleShotSize,
    });
    return 'written';
  } catch (error) {
    if (isStorageCode(error, 'BlobAlreadyExists', 'BlobOperationNotSupported') || storageError(error).status === 409)
      return 'exists';
    throw storageFailure(`upload ${blob.name}`, error);
  }
}
