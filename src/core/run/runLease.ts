import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeAtomically, type LocalMirror } from '../lake/localMirror';

/**
 * The lease id a one-shot run (`run --publish`) uses, kept in the mirror from
 * before the lease is taken until it is released. A run killed on this machine
 * leaves it behind, and the rerun by the same holder acquires with the same id
 * (Azure re-grants an active lease to its own id) instead of failing busy
 * against itself until the lease goes stale.
 */
export interface RunLeaseRecord {
  leaseId: string;
  runId: string;
  holder: string;
  since: string;
}

export function runLeaseFile(mirror: LocalMirror): string {
  return join(mirror.root, 'run-lease.json');
}

/** The record left by an earlier run of this holder, or a fresh one; written before the lease is acquired. */
export async function prepareRunLease(mirror: LocalMirror, holder: string): Promise<RunLeaseRecord> {
  const earlier = await readRunLease(mirror);
  const record =
    earlier && earlier.holder === holder
      ? earlier
      : { leaseId: randomUUID(), runId: randomUUID(), holder, since: new Date().toISOString() };
  await writeAtomically(runLeaseFile(mirror), JSON.stringify(record, null, 2));
  return record;
}

export async function readRunLease(mirror: LocalMirror): Promise<RunLeaseRecord | undefined> {
  try {
    const value = JSON.parse(await readFile(runLeaseFile(mirror), 'utf8')) as Partial<RunLeaseRecord>;
    if (typeof value.leaseId === 'string' && typeof value.runId === 'string' && typeof value.holder === 'string')
      return value as RunLeaseRecord;
  } catch {
    // missing or torn: nothing to re-take
  }
  return undefined;
}

export async function clearRunLease(mirror: LocalMirror): Promise<void> {
  await rm(runLeaseFile(mirror), { force: true });
}
