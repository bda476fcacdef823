import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { BlobHTTPHeaders, BlockBlobClient } from '@azure/storage-blob';
import { LakehouseError } from '../errors';

/**
 * Put Blob's own limit (5000 MiB since API version 2019-12-12). Below it one
 * request replaces the blob; the SDK's upload helpers switch to Put Block +
 * Put Block List above 256 MiB instead, which OneLake (and ADLS with a
 * hierarchical namespace) refuses onto an existing file with 409
 * BlobOperationNotSupported.
 */
export const PUT_BLOB_MAX_BYTES = 5000 * 1024 * 1024;
/** The SDK's block size ceiling for staging a new blob (it refuses larger single shots). */
const SDK_SINGLE_SHOT_MAX = 256 * 1024 * 1024;

export interface ReplaceOptions {
  /** Lease and If-Match on the blob being replaced. */
  conditions: { leaseId: string; ifMatch: string };
  metadata: Record<string, string>;
  headers: BlobHTTPHeaders;
  /** Above this many bytes, stage and copy; at or below, one Put Blob. Defaults to PUT_BLOB_MAX_BYTES. */
  singleShotLimitBytes?: number;
  /** A new blob next to the target to stage a large upload in (`<name><suffix>`). */
  stagingBlob?: (suffix: string) => BlockBlobClient;
  abortSignal?: AbortSignal;
}

/**
 * Replaces a blob atomically under its lease and If-Match, never with blocks
 * onto the existing file: readers see the old bytes or the new ones, never a mix.
 * - Up to the single-shot limit: one Put Blob streamed from the file.
 * - Above it: upload to a NEW staging blob (blocks are fine for a new blob), then
 *   one Copy Blob onto the target with the lease, If-Match and the metadata,
 *   then delete the staging blob. A failure before the copy leaves the target untouched.
 * Returns the new ETag.
 */
export async function replaceBlob(
  blob: BlockBlobClient,
  data: Uint8Array | { file: string },
  options: ReplaceOptions,
): Promise<string> {
  const size = 'file' in data ? (await stat(data.file)).size : data.byteLength;
  const limit = options.singleShotLimitBytes ?? PUT_BLOB_MAX_BYTES;
  const common = {
    conditions: options.conditions,
    metadata: options.metadata,
    blobHTTPHeaders: options.headers,
    abortSignal: options.abortSignal,
  };
  if (size <= limit) {
    const body = 'file' in data ? () => createReadStream(data.file) : Buffer.from(data);
    const response = await blob.upload(body, size, common);
    return response.etag ?? '';
  }
  if (!options.stagingBlob) {
    throw new LakehouseError(
      'catalog-too-large',
      `The catalog is ${size} bytes, more than one request can replace (${limit}).`,
    );
  }
  const staging = options.stagingBlob(`.staging-${randomUUID()}`);
  try {
    const staged = { blobHTTPHeaders: options.headers, abortSignal: options.abortSignal };
    const shot = { maxSingleShotSize: Math.min(limit, SDK_SINGLE_SHOT_MAX), conditions: { ifNoneMatch: '*' } };
    if ('file' in data) await staging.uploadFile(data.file, { ...staged, ...shot });
    else await staging.uploadData(Buffer.from(data), { ...staged, ...shot });
    // Copy Blob keeps the source's Content-Type and Content-MD5 and takes the new metadata.
    const poller = await blob.beginCopyFromURL(staging.url, {
      conditions: options.conditions,
      metadata: options.metadata,
      abortSignal: options.abortSignal,
    });
    const copied = await poller.pollUntilDone();
    if (copied.copyStatus !== 'success') {
      throw new LakehouseError('copy-failed', `Copying the staged catalog ended as '${copied.copyStatus}'.`);
    }
    const props = await blob.getProperties({ conditions: { leaseId: options.conditions.leaseId } });
    return props.etag ?? '';
  } finally {
    await staging.deleteIfExists().catch(() => undefined);
  }
}
