import { mkdir, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { LakehouseError } from '../errors';
import { writeAtomically, type LocalMirror } from './localMirror';

/** Who holds a local mirror, written next to the lock so a refused operation can say who. */
export interface MirrorLockOwner {
  what: string;
  since: string;
  pid: number;
  host: string;
}

/** Another operation (this editor, another window, or the CLI) is writing the same `.lakehouse/<name>/`. */
export class MirrorBusyError extends LakehouseError {
  constructor(
    name: string,
    readonly owner: MirrorLockOwner | undefined,
  ) {
    super(
      'mirror-busy',
      owner
        ? `busy: ${owner.what} since ${owner.since} (pid ${owner.pid}, ${owner.host}) is using the local copy of ${name}.`
        : `busy: another operation is using the local copy of ${name}.`,
      'Wait for it to finish (or stop it) and try again; a crashed one lets go of the lock within 30 s.',
    );
  }
}

/** A lock not refreshed for this long belongs to a process that died (its holder refreshes it every 5 s). */
const STALE_MS = 30_000;

/**
 * One writer per local mirror: Run, Pull, Reset and Publish from the editor and
 * the CLI all take it, so none of them can tear another's catalog or state
 * files. proper-lockfile (an atomic mkdir, refreshed while held) rather than a
 * hand-written lock: it works across processes and recovers from a crashed
 * holder by staleness, which a pid file cannot do across machines sharing a folder.
 */
export async function lockMirror(mirror: LocalMirror, what: string): Promise<() => Promise<void>> {
  const { lock } = await import('proper-lockfile');
  await mkdir(mirror.root, { recursive: true });
  const ownerFile = join(mirror.root, 'lock-owner.json');
  const lockDir = join(mirror.root, '.lock');
  const take = () =>
    lock(mirror.root, {
      lockfilePath: lockDir,
      realpath: false,
      stale: STALE_MS,
      update: 5_000,
      retries: 0,
      // Compromised (the lock was taken over after a long stall): the work in hand finishes; the
      // default would throw from a timer and take the whole process (or extension host) down.
      onCompromised: () => undefined,
    });
  const readOwner = () =>
    readFile(ownerFile, 'utf8').then(
      (text) => JSON.parse(text) as MirrorLockOwner,
      () => undefined,
    );
  let release: () => Promise<void>;
  try {
    release = await take();
  } catch (error) {
    if ((error as { code?: string }).code !== 'ELOCKED') throw error;
    const owner = await readOwner();
    // A holder on this machine whose process is gone (SIGKILL, crash) need not be waited out:
    // a rerun right after a crash goes ahead. Elsewhere, staleness (no refresh for 30 s) decides.
    if (!owner || owner.host !== hostname() || owner.pid === process.pid || isAlive(owner.pid))
      throw new MirrorBusyError(basename(mirror.root), owner);
    // The dead holder's owner file goes first, so a third process arriving now sees "busy", not "dead".
    await rm(ownerFile, { force: true });
    await rm(lockDir, { recursive: true, force: true });
    try {
      release = await take();
    } catch (again) {
      if ((again as { code?: string }).code !== 'ELOCKED') throw again;
      throw new MirrorBusyError(basename(mirror.root), await readOwner());
    }
  }
  const owner: MirrorLockOwner = { what, since: new Date().toISOString(), pid: process.pid, host: hostname() };
  await writeAtomically(ownerFile, JSON.stringify(owner, null, 2));
  return async () => {
    await rm(ownerFile, { force: true });
    await release().catch(() => undefined);
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** Runs `work` holding the mirror's lock, unless the caller already holds it. */
export async function withMirrorLock<T>(
  mirror: LocalMirror,
  what: string,
  alreadyLocked: boolean | undefined,
  work: () => Promise<T>,
): Promise<T> {
  if (alreadyLocked) return work();
  const release = await lockMirror(mirror, what);
  try {
    return await work();
  } finally {
    await release();
  }
}
