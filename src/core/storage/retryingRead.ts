import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { BlockBlobClient } from '@azure/storage-blob';
import { storageError } from './storageErrors';

/**
 * How many times a whole read is tried. The SDK's pipeline retries a request
 * that fails before its answer starts, but not a body cut off half-way: its
 * stream turns a reset into "The operation was aborted." and gives up.
 */
const READ_TRIES = 5;
const BACKOFF_MS = [100, 300, 800, 1_500];

/**
 * True for a failure that a fresh read can cure: the connection broke (no HTTP
 * status at all) or the body ended short. A status (404, 403, 412) is an answer
 * and is never retried here; nor is the caller's own cancel.
 */
export function isCutOffRead(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return false;
  if (storageError(error).status !== undefined) return false;
  return error instanceof Error;
}

/** Runs `read` again while it fails with a cut-off body; anything else is thrown as is. */
export async function retryCutOff<T>(read: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      if (attempt >= READ_TRIES || !isCutOffRead(error, signal)) throw error;
      await new Promise((resolve) => setTimeout(resolve, BACKOFF_MS[attempt - 1] ?? 1_500));
    }
  }
}

/** A blob's bytes, read again from the start when the body is cut off. */
export async function readBlobBytes(blob: BlockBlobClient, signal?: AbortSignal): Promise<Buffer> {
  return retryCutOff(() => blob.downloadToBuffer(0, undefined, { abortSignal: signal }), signal);
}

/**
 * Downloads a blob to `dest`, again from the start when the body is cut off,
 * and checks the file has the length the service announced (a short file is
 * never taken for the blob). Returns the ETag and Content-MD5 (base64) the
 * bytes belong to. A failed download leaves no file at `dest`.
 */
export async function downloadBlobToFile(
  blob: BlockBlobClient,
  dest: string,
  signal?: AbortSignal,
): Promise<{ etag: string; md5?: string }> {
  await mkdir(dirname(dest), { recursive: true });
  try {
    return await retryCutOff(async () => {
      const response = await blob.downloadToFile(dest, 0, undefined, { abortSignal: signal });
      const size = (await stat(dest)).size;
      if (response.contentLength !== undefined && size !== response.contentLength) {
        throw new Error(`the download ended after ${size} of ${response.contentLength} bytes`);
      }
      const md5 = response.blobContentMD5 ?? response.contentMD5;
      return { etag: response.etag ?? '', md5: md5 ? Buffer.from(md5).toString('base64') : undefined };
    }, signal);
  } catch (error) {
    await rm(dest, { force: true });
    throw error;
  }
}
