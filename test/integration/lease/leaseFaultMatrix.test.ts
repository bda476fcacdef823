import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { STALL_TIMEOUT_ENV } from '../../../src/core/storage/stallTimeout';
import {
  catalogMetadataPut,
  EVERY_FAULT,
  FaultProxy,
  op,
  TEST_STALL_TIMEOUT_MS,
  type ProxiedRequest,
} from '../support/faultProxy';
import { freshLakehouse, guardFor, runCli, untilStale, type CliResult } from '../support/lakehouse';

/**
 * `lease acquire`, `lease release` and `lease break` × every fault the proxy offers,
 * on each request the verb makes. After each: the report (exit code, --json) matches
 * the lease as the remote shows it afterwards, and a plain rerun converges.
 */
type Lake = Awaited<ReturnType<typeof freshLakehouse>>;
type Match = (r: ProxiedRequest) => boolean;

const ENV = { [STALL_TIMEOUT_ENV]: String(TEST_STALL_TIMEOUT_MS) };
const ME = 'me@ci';

async function leaseFolder(proxyHost: string, staleAfter = '12h') {
  const lake = await freshLakehouse({ staleAfter });
  await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
  const cwd = mkdtempSync(join(tmpdir(), 'lakehouse-lease-fault-'));
  const location = lake.location.replace(new URL(inject('azuriteUrl')).host, proxyHost);
  writeFileSync(
    join(cwd, 'lakehouse.yml'),
    `lakehouses:\n  - name: lh\n    location: ${location}\n    staleAfter: ${staleAfter}\n`,
  );
  return { lake, cwd };
}

const cli = (cwd: string, ...args: string[]) => runCli(['lease', ...args, 'lh', '--json'], ENV, cwd);

/** The lease id `lease acquire` wrote down in this folder, if any. */
function savedLeaseId(cwd: string): string | undefined {
  const dir = join(cwd, '.lakehouse', 'leases');
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir);
  if (files.length === 0) return undefined;
  return (JSON.parse(readFileSync(join(dir, files[0]!), 'utf8')) as { leaseId?: string }).leaseId;
}

/** Whether `leaseId` holds the catalog now (a read conditioned on that id), judged on the remote alone. */
async function holds(lake: Lake, leaseId: string | undefined): Promise<boolean> {
  if (!leaseId) return false;
  try {
    await lake.store.blob('Files/metadata.db').getProperties({ conditions: { leaseId } });
    return true;
  } catch {
    return false;
  }
}

function record(verb: string, kind: string, label: string, result: CliResult) {
  if (!process.env.FAULT_MATRIX_REPORT) return;
  const said = result.code === 0 ? 'ok' : String(result.json.error?.code);
  appendFileSync(process.env.FAULT_MATRIX_REPORT, `${verb} | ${kind} | ${label} | exit ${result.code} ${said}\n`);
}

const said = (r: CliResult) => `${r.code}: ${r.stdout}${r.stderr}`;

describe.each<[string, Match]>([
  ['the acquire', op.lease('acquire')],
  ['the stamp', catalogMetadataPut],
])('lease acquire with a fault on %s', (kind, match) => {
  let proxy: FaultProxy;
  let lake: Lake;
  let cwd: string;

  beforeAll(async () => {
    proxy = await FaultProxy.start(inject('azuriteUrl'));
    ({ lake, cwd } = await leaseFolder(proxy.host));
  });
  afterAll(async () => proxy.close());

  it.each(EVERY_FAULT)('%s: the report matches the remote lease; a rerun re-takes it', async (label, fault) => {
    proxy.clear();
    const rule = proxy.add({ match, fault });
    const result = await cli(cwd, 'acquire', '--holder', ME);
    proxy.clear();
    record('acquire', kind, label, result);
    expect(rule.hits, `the fault fired (${label})`).toBe(1);
    // Ended by itself with a report (a stall is given up by the stall timeout, never waited out).
    expect(result.signal, said(result)).toBeUndefined();
    expect(result.json.ok, said(result)).toBeDefined();

    const view = await lake.guard.inspect();
    const saved = savedLeaseId(cwd);
    if (result.code === 0) {
      // Reported taken: the remote lease is held, under the id reported, with the stamp reported.
      const leaseId = result.json.leaseId as string;
      expect(view.status, said(result)).toBe('held');
      expect(await holds(lake, leaseId), 'the reported lease id holds the lease').toBe(true);
      expect(view.stamp).toMatchObject({ holder: ME, run_id: (result.json.stamp as { run_id: string }).run_id });
      expect(saved).toBe(leaseId);
    } else if (view.status === 'held') {
      // Reported a failure while the lease is held: only under the id written down here, and said exactly.
      expect(await holds(lake, saved), said(result)).toBe(true);
      expect(result.json.error?.message).toContain(saved!);
    } else {
      expect(view.status, said(result)).toBe('free');
    }

    // One fault is always recoverable (a stalled try is given up and retried): the verb succeeds.
    expect(result.code, said(result)).toBe(0);
    // A plain rerun converges: the lease is this folder's (the same id when it already was), then released.
    const rerun = await cli(cwd, 'acquire', '--holder', ME);
    expect(rerun.code, said(rerun)).toBe(0);
    if (result.code === 0) expect(rerun.json.leaseId).toBe(result.json.leaseId);
    expect(await holds(lake, rerun.json.leaseId as string)).toBe(true);
    const released = await cli(cwd, 'release');
    expect(released.code, said(released)).toBe(0);
    expect((await lake.guard.inspect()).status).toBe('free');
    expect(savedLeaseId(cwd)).toBeUndefined();
  });
});

describe.each<[string, Match]>([
  ['the release mark', catalogMetadataPut],
  ['the release', op.lease('release')],
])('lease release with a fault on %s', (kind, match) => {
  let proxy: FaultProxy;
  let lake: Lake;
  let cwd: string;

  beforeAll(async () => {
    proxy = await FaultProxy.start(inject('azuriteUrl'));
    ({ lake, cwd } = await leaseFolder(proxy.host));
  });
  afterAll(async () => proxy.close());

  it.each(EVERY_FAULT)('%s: the report matches the remote lease; a rerun converges', async (label, fault) => {
    proxy.clear();
    const taken = await cli(cwd, 'acquire', '--holder', ME);
    expect(taken.code, said(taken)).toBe(0);
    const leaseId = taken.json.leaseId as string;
    const rule = proxy.add({ match, fault });
    const result = await cli(cwd, 'release');
    proxy.clear();
    record('release', kind, label, result);
    expect(rule.hits, `the fault fired (${label})`).toBe(1);
    // Ended by itself with a report (a stall is given up by the stall timeout, never waited out).
    expect(result.signal, said(result)).toBeUndefined();
    expect(result.json.ok, said(result)).toBeDefined();

    if (result.code === 0) {
      // Reported released: free on the remote, and nothing left to release here.
      expect((await lake.guard.inspect()).status, said(result)).toBe('free');
      expect(await holds(lake, leaseId)).toBe(false);
      expect(savedLeaseId(cwd)).toBeUndefined();
    } else {
      // Reported a failure: the lease is still ours, and the id still written down for the rerun.
      expect(await holds(lake, leaseId), said(result)).toBe(true);
      expect(savedLeaseId(cwd)).toBe(leaseId);
      const rerun = await cli(cwd, 'release');
      expect(rerun.code, said(rerun)).toBe(0);
    }
    // One fault is always recoverable (a stalled try is given up and retried): the verb succeeds.
    expect(result.code, said(result)).toBe(0);
    expect((await lake.guard.inspect()).status).toBe('free');
    // Converged: the next acquire takes a free lease at once.
    const again = await cli(cwd, 'acquire', '--holder', ME);
    expect(again.code, said(again)).toBe(0);
    expect((await cli(cwd, 'release')).code).toBe(0);
  });
});

describe.each<[string, Match, boolean]>([
  ['the lease read (stale break)', op.catalogHead(), false],
  ['the break (stale break)', op.lease('break'), false],
  ['the break (--force)', op.lease('break'), true],
])('lease break with a fault on %s', (kind, match, force) => {
  let proxy: FaultProxy;
  let lake: Lake;
  let cwd: string;

  beforeAll(async () => {
    proxy = await FaultProxy.start(inject('azuriteUrl'));
    ({ lake, cwd } = await leaseFolder(proxy.host, '2s'));
  });
  afterAll(async () => proxy.close());

  it.each(EVERY_FAULT)('%s: the report matches the remote lease; a rerun converges', async (label, fault) => {
    proxy.clear();
    const other = guardFor(lake.entry, lake.store, { holder: 'other@host', staleAfterMs: 2_000 });
    const held = await other.acquire({ operation: 'run' });
    if (!force) await untilStale(other);
    const rule = proxy.add({ match, fault });
    const args = force ? ['break', '--force'] : ['break'];
    const result = await cli(cwd, ...args);
    proxy.clear();
    record(force ? 'break --force' : 'break', kind, label, result);
    expect(rule.hits, `the fault fired (${label})`).toBe(1);
    // Ended by itself with a report (a stall is given up by the stall timeout, never waited out).
    expect(result.signal, said(result)).toBeUndefined();
    expect(result.json.ok, said(result)).toBeDefined();

    const stillHeld = await holds(lake, held.leaseId);
    if (result.code === 0) {
      // Reported broken: the holder named is the one that held it, and its lease is gone.
      expect(stillHeld, said(result)).toBe(false);
      expect((result.json.broken as { stamp?: { holder?: string } }).stamp?.holder).toBe('other@host');
      // A rerun has nothing to break, and says so.
      const rerun = await cli(cwd, ...args);
      expect(rerun.json.error?.code, said(rerun)).toBe('lease-not-held');
    } else {
      // Reported a failure: the holder still holds it (never "not broken" after a break that landed).
      expect(stillHeld, said(result)).toBe(true);
      const rerun = await cli(cwd, ...args);
      expect(rerun.code, said(rerun)).toBe(0);
      expect(await holds(lake, held.leaseId)).toBe(false);
    }
    // One fault is always recoverable (a stalled try is given up and retried): the verb succeeds.
    expect(result.code, said(result)).toBe(0);
    // Converged: the lease can be taken.
    const taken = await cli(cwd, 'acquire', '--holder', ME);
    expect(taken.code, said(taken)).toBe(0);
    expect((await cli(cwd, 'release')).code).toBe(0);
  });
});

describe('lease verbs when no answer comes and the remote cannot be read either', () => {
  let proxy: FaultProxy;
  let lake: Lake;
  let cwd: string;

  beforeAll(async () => {
    proxy = await FaultProxy.start(inject('azuriteUrl'));
    ({ lake, cwd } = await leaseFolder(proxy.host));
  });
  afterAll(async () => proxy.close());

  it('acquire: every answer lost, the check unreadable: "may be held under lease id X"; the rerun re-takes exactly that lease', async () => {
    proxy.clear();
    proxy.add({ match: op.lease('acquire'), fault: { kind: 'drop-response' }, times: Infinity });
    proxy.add({ match: op.catalogHead(), fault: { kind: 'status', status: 503 }, times: Infinity });
    const result = await cli(cwd, 'acquire', '--holder', ME);
    proxy.clear();
    expect(result.code, said(result)).toBe(1);
    expect(result.json.error?.code).toBe('lease-unknown');
    const saved = savedLeaseId(cwd)!;
    expect(result.json.error?.message).toContain(`may now be held under lease id ${saved}`);
    // The truth on the remote: the lease was taken, under exactly the id reported.
    expect(await holds(lake, saved)).toBe(true);
    // Not orphaned: the plain rerun re-takes it by that id, then it is released.
    const rerun = await cli(cwd, 'acquire', '--holder', ME);
    expect(rerun.code, said(rerun)).toBe(0);
    expect(rerun.json.leaseId).toBe(saved);
    expect((await cli(cwd, 'release')).code).toBe(0);
    expect((await lake.guard.inspect()).status).toBe('free');
  });

  it('acquire: every answer lost but the remote readable: the lease is proven ours and reported taken', async () => {
    proxy.clear();
    proxy.add({ match: op.lease('acquire'), fault: { kind: 'drop-response' }, times: Infinity });
    const result = await cli(cwd, 'acquire', '--holder', ME);
    proxy.clear();
    expect(result.code, said(result)).toBe(0);
    expect(await holds(lake, result.json.leaseId as string)).toBe(true);
    expect((await lake.guard.inspect()).stamp?.holder).toBe(ME);
    expect((await cli(cwd, 'release')).code).toBe(0);
  });

  it('release: every answer lost (applied): the remote shows it free, reported released', async () => {
    proxy.clear();
    const taken = await cli(cwd, 'acquire', '--holder', ME);
    expect(taken.code, said(taken)).toBe(0);
    proxy.add({ match: op.lease('release'), fault: { kind: 'drop-response' }, times: Infinity });
    const result = await cli(cwd, 'release');
    proxy.clear();
    expect(result.code, said(result)).toBe(0);
    expect((await lake.guard.inspect()).status).toBe('free');
  });

  it('release: never reaches the store, the check unreadable: "may still be held"; the rerun releases it', async () => {
    proxy.clear();
    const taken = await cli(cwd, 'acquire', '--holder', ME);
    const leaseId = taken.json.leaseId as string;
    proxy.add({ match: op.lease('release'), fault: { kind: 'reset' }, times: Infinity });
    proxy.add({ match: op.catalogHead(), fault: { kind: 'status', status: 503 }, times: Infinity });
    const result = await cli(cwd, 'release');
    proxy.clear();
    expect(result.json.error?.code, said(result)).toBe('lease-unknown');
    expect(result.json.error?.message).toContain(`may still be held under lease id ${leaseId}`);
    expect(await holds(lake, leaseId)).toBe(true);
    const rerun = await cli(cwd, 'release');
    expect(rerun.code, said(rerun)).toBe(0);
    expect((await lake.guard.inspect()).status).toBe('free');
  });

  it('break --force: every answer lost (applied): the remote shows it broken, reported broken', async () => {
    proxy.clear();
    const other = guardFor(lake.entry, lake.store, { holder: 'other@host' });
    const held = await other.acquire({ operation: 'run' });
    proxy.add({ match: op.lease('break'), fault: { kind: 'drop-response' }, times: Infinity });
    const result = await cli(cwd, 'break', '--force');
    proxy.clear();
    expect(result.code, said(result)).toBe(0);
    expect(await holds(lake, held.leaseId)).toBe(false);
    expect((result.json.broken as { stamp?: { holder?: string } }).stamp?.holder).toBe('other@host');
  });

  it('break --force: never reaches the store: reported as not broken, and it is not', async () => {
    proxy.clear();
    const other = guardFor(lake.entry, lake.store, { holder: 'other@host' });
    const held = await other.acquire({ operation: 'run' });
    proxy.add({ match: op.lease('break'), fault: { kind: 'reset' }, times: Infinity });
    const result = await cli(cwd, 'break', '--force');
    proxy.clear();
    expect(result.code, said(result)).not.toBe(0);
    expect(result.json.error?.code).toBe('storage');
    expect(await holds(lake, held.leaseId)).toBe(true);
    await other.release(held);
  });
});
