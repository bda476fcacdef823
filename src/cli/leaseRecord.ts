import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { LakehouseError } from '../core/errors';
import type { AcquireOptions, HeldLease, LeaseGuard } from '../core/lease/leaseGuard';
import { readJson } from './context';

/** What `lease acquire` keeps in the folder: the held lease, or before the acquire only its id and holder. */
type LeaseRecord = Partial<HeldLease> & { holder?: string };

/**
 * `lease acquire` with its id written down first, so an acquire whose answer was lost never
 * leaves a lease nobody can name: the rerun here re-takes it (Azure re-grants an active lease
 * to its own id) and `lease release` lets it go. Only the same holder's record is reused; a
 * record of another holder is neither reused nor removed.
 */
export async function acquireRecorded(
  guard: LeaseGuard,
  stateFile: string,
  options: Pick<AcquireOptions, 'operation' | 'breakIfStale'>,
): Promise<HeldLease> {
  const found = readJson<LeaseRecord>(stateFile);
  const foundHolder = found?.stamp?.holder ?? found?.holder;
  const own = found?.leaseId && foundHolder === guard.holder ? found : undefined;
  const leaseId = own?.leaseId ?? randomUUID();
  const pending = !found;
  if (pending) {
    mkdirSync(dirname(stateFile), { recursive: true });
    writeFileSync(stateFile, JSON.stringify({ leaseId, holder: guard.holder } satisfies LeaseRecord, null, 2));
  }
  let held: HeldLease;
  try {
    held = await guard.acquire({ ...options, leaseId, runId: own?.stamp?.run_id });
  } catch (error) {
    // Refused for sure (busy, missing, not taken): this id holds nothing. Kept only when the
    // outcome is unknown, and removed only while the record is still ours.
    const unknown = error instanceof LakehouseError && error.code === 'lease-unknown';
    if (pending && !unknown && readJson<LeaseRecord>(stateFile)?.leaseId === leaseId)
      rmSync(stateFile, { force: true });
    throw error;
  }
  mkdirSync(dirname(stateFile), { recursive: true });
  writeFileSync(stateFile, JSON.stringify(held, null, 2));
  return held;
}
