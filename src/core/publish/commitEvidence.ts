import type { BlockBlobClient } from '@azure/storage-blob';
import { describeError, isCancelled, LakehouseError } from '../errors';
import { stampFromMetadata } from '../lease/stamp';
import { storageError, storageFailure } from '../storage/storageErrors';

/**
 * Written into the catalog blob's metadata by every commit: the Content-MD5 of
 * the catalog it replaced. With the Content-MD5 of the new bytes it proves
 * *which* commit the remote holds, so an ambiguous answer (a lost response, a
 * 412 on the SDK's retry of a Put that already landed) is settled by evidence.
 */
export const PARENT_MD5_KEY = 'parent_md5';

/** The remote catalog as one HEAD shows it. */
export interface CatalogEvidence {
  exists: boolean;
  etag?: string;
  md5?: string;
  parentMd5?: string;
  holder?: string;
  lastModified?: Date;
}

/**
 * What the remote holds compared with a commit we attempted:
 * - `ours`: our bytes (Content-MD5), and when the commit's `parent_md5` survives, on our parent;
 * - `pulled`: still the catalog we pulled: our commit did not land;
 * - `other`: neither: someone else published;
 * - `missing`: no catalog at all (deleted).
 */
export type CommitOutcome = 'ours' | 'pulled' | 'other' | 'missing';

export async function readCatalogEvidence(blob: BlockBlobClient, what: string): Promise<CatalogEvidence> {
  try {
    const p = await blob.getProperties();
    const meta: Record<string, string> = {};
    for (const [k, v] of Object.entries(p.metadata ?? {})) meta[k.toLowerCase()] = v;
    return {
      exists: true,
      etag: p.etag,
      md5: p.contentMD5 ? Buffer.from(p.contentMD5).toString('base64') : undefined,
      parentMd5: meta[PARENT_MD5_KEY],
      holder: stampFromMetadata(p.metadata)?.holder,
      lastModified: p.lastModified,
    };
  } catch (error) {
    if (storageError(error).status === 404) return { exists: false };
    throw storageFailure(`read ${what}`, error);
  }
}

export function judgeCommit(evidence: CatalogEvidence, sent: { md5: string; parentMd5: string }): CommitOutcome {
  if (!evidence.exists) return 'missing';
  // A later stamp (someone only took the lease) replaces the metadata; the bytes still prove it.
  if (evidence.md5 === sent.md5 && (evidence.parentMd5 === undefined || evidence.parentMd5 === sent.parentMd5))
    return 'ours';
  if (evidence.md5 === sent.parentMd5) return 'pulled';
  return 'other';
}

/** The commit's answer was lost and the remote could not be read to settle it: nothing may be assumed. */
export class CommitOutcomeUnknownError extends LakehouseError {
  constructor(catalogName: string, cause: unknown) {
    super(
      'commit-unknown',
      `Publishing ${catalogName} got no answer to the catalog upload, and the remote catalog could not be read to check whether it landed.`,
      'Run Publish again when the network is back: it checks the remote catalog and either finishes this publish (Delta export, release) or uploads again. Your local changes are kept.',
      { cause },
    );
  }
}

/** The remote catalog is gone although this copy was pulled from it: nothing is re-created in its place. */
export class CatalogDeletedError extends LakehouseError {
  constructor(catalogName: string) {
    super(
      'catalog-deleted',
      `The remote ${catalogName} was deleted after your pull; nothing was uploaded and no catalog was created.`,
      "Restore it (an earlier blob version or a backup), or, to start the lakehouse over, create an empty one deliberately with 'lakehouse lease acquire' and pull again.",
    );
  }
}

/**
 * Our publish committed, then someone else published on top of it before ours
 * finished (our lease had been broken). Not a success: this publish did not
 * finish, and the remote is now someone else's catalog.
 */
export class PublishSupersededError extends LakehouseError {
  constructor(catalogName: string, by: { holder?: string; lastModified?: Date }) {
    super(
      'publish-superseded',
      `Your interrupted publish of ${catalogName} had committed, but ${by.holder ?? 'someone else'} published over it${
        by.lastModified ? ` at ${by.lastModified.toISOString()}` : ''
      } before it finished; their publish exported Delta, not yours.`,
      'Pull, check that your tables are there (their catalog was built on yours only if they pulled after your commit), and run and publish again if anything is missing.',
    );
  }
}

/**
 * Publish stopped after the commit point (cancelled, or the Delta export failed): the
 * remote catalog already holds the changes, the Delta tables may lag. Never a silent
 * cancel: the user is told what the lakehouse holds now and what Publish will do next.
 */
export class PublishIncompleteError extends LakehouseError {
  constructor(catalogName: string, tables: readonly string[], cause: unknown) {
    const how = isCancelled(cause) ? 'was cancelled' : `stopped (${describeError(cause)})`;
    const which = tables.length ? ` (${tables.join(', ')})` : '';
    super(
      'publish-incomplete',
      `Publish ${how} after the commit point: the remote ${catalogName} already holds your changes${which}, ` +
        'so anyone who pulls gets them, but the Delta tables Fabric reads may not show them yet. The lease was released; nothing is lost.',
      'Run Publish again: it recognises the commit, exports the Delta tables and finishes; nothing is uploaded twice.',
      { cause },
    );
  }
}
