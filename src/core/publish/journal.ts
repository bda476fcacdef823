import { readFile, rm } from 'node:fs/promises';
import { writeAtomically, type LocalMirror } from '../lake/localMirror';

export type PublishStep =
  'leased' | 'maintained' | 'data-uploaded' | 'committing' | 'committed' | 'exported' | 'released';

/**
 * What a publish has done so far, written after every step so a rerun after a
 * crash or a network failure finishes the job instead of starting over.
 */
export interface PublishJournal {
  runId: string;
  leaseId: string;
  startedAt: string;
  /** The remote catalog as pulled: what publishing may replace. */
  pulled: { etag: string; md5: string };
  /** MD5 of the catalog being published, fixed before the commit point. */
  catalogMd5?: string;
  committedEtag?: string;
  steps: PublishStep[];
}

export async function readJournal(mirror: LocalMirror): Promise<PublishJournal | undefined> {
  try {
    return JSON.parse(await readFile(mirror.journalFile, 'utf8')) as PublishJournal;
  } catch {
    return undefined;
  }
}

export async function writeJournal(mirror: LocalMirror, journal: PublishJournal): Promise<void> {
  await writeAtomically(mirror.journalFile, JSON.stringify(journal, null, 2));
}

export async function clearJournal(mirror: LocalMirror): Promise<void> {
  await rm(mirror.journalFile, { force: true });
}
