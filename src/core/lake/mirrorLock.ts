import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
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
 *
 * Each taker first writes a claim (`lock-owners/<host>-<pid>-<nonce>.json`) and removes
 * it only after letting go, so whenever the lock exists its holder's claim does
 * too: a process killed at any instant (even between the mkdir and anything
 * after it) leaves a claim that shows it is dead, and the rerun goes ahead at once.
 */
export async function lockMirror(mirror: LocalMirror, what: string): Promise<() => Promise<void>> {
  const { lock } = await import('proper-lockfile');
  const claims = join(mirror.root, 'lock-owners');
  await mkdir(claims, { recursive: true });
  const lockDir = join(mirror.root, '.lock');
  const owner: MirrorLockOwner = { what, since: new Date().toISOString(), pid: process.pid, host: hostname() };
  // One claim per take (the editor may try twice in one process), so the name carries a nonce.
  const mine = `${claimName(owner)}-${randomUUID().slice(0, 8)}.json`;
  const claimFile = join(claims, mine);
  await writeAtomically(claimFile, JSON.stringify(owner, null, 2));
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
  let release: () => Promise<void>;
  try {
    release = await take();
  } catch (error) {
    if ((error as { code?: string }).code !== 'ELOCKED') {
      await rm(claimFile, { force: true });
      throw error;
    }
    const others = (await readClaims(claims)).filter((c) => c.file !== mine);
    const dead = others.filter(isDeadHere);
    // The holder is among the other claims. Only when every one of them is a process on this
    // machine that is gone (SIGKILL, crash) is the lock broken now; elsewhere staleness (no
    // refresh for 30 s) decides, and a claim with no lock behind it is a taker about to give up.
    if (others.length === 0 || dead.length < others.length) {
      await rm(claimFile, { force: true });
      const holder = others.filter((c) => !isDeadHere(c)).sort((a, b) => a.since.localeCompare(b.since))[0];
      throw new MirrorBusyError(basename(mirror.root), holder && ownerOf(holder));
    }
    for (const claim of dead) await rm(join(claims, claim.file), { force: true });
    await rm(lockDir, { recursive: true, force: true });
    try {
      release = await take();
    } catch (again) {
      await rm(claimFile, { force: true });
      if ((again as { code?: string }).code !== 'ELOCKED') throw again;
      const holder = (await readClaims(claims)).find((c) => c.file !== mine);
      throw new MirrorBusyError(basename(mirror.root), holder && ownerOf(holder));
    }
  }
  // Claims of dead processes that never got the lock (killed before the mkdir) are litter.
  for (const claim of await readClaims(claims))
    if (claim.file !== mine && isDeadHere(claim)) await rm(join(claims, claim.file), { force: true });
  return async () => {
    // The lock goes before the claim: a lock is never left without its holder's claim.
    await release().catch(() => undefined);
    await rm(claimFile, { force: true });
  };
}

function claimName(owner: Pick<MirrorLockOwner, 'host' | 'pid'>): string {
  return `${owner.host.replace(/[^A-Za-z0-9._-]/g, '_')}-${owner.pid}`;
}

type Claim = MirrorLockOwner & { file: string };

async function readClaims(folder: string): Promise<Claim[]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const claims = await Promise.all(
    names
      .filter((n) => n.endsWith('.json'))
      .map((n) =>
        readFile(join(folder, n), 'utf8').then(
          (text) => ({ ...(JSON.parse(text) as MirrorLockOwner), file: n }),
          () => undefined,
        ),
      ),
  );
  return claims.filter((c): c is Claim => !!c && typeof c.pid === 'number' && typeof c.host === 'string');
}

function ownerOf({ what, since, pid, host }: Claim): MirrorLockOwner {
  return { what, since, pid, host };
}

function isDeadHere(owner: MirrorLockOwner): boolean {
  return owner.host === hostname() && owner.pid !== process.pid && !isAlive(owner.pid);
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
