import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, inject } from 'vitest';
import { resolveEntries, type LakehouseEntry } from '../../../src/core/config/lakehouseConfig';
import { openCatalogLease } from '../../../src/core/lease/catalogLease';
import { LeaseGuard } from '../../../src/core/lease/leaseGuard';
import { loopbackTestCredential, ONELAKE_ENDPOINT_ENV } from '../../../src/core/storage/endpoint';
import { startOneLakeProxy, type OneLakeProxy } from '../../support/onelakeProxy';

export const CLI = resolve(__dirname, '../../../dist/cli.js');
export const duckdb = { extensionDirectory: process.env.LAKEHOUSE_DUCKDB_EXTENSIONS };

/**
 * Where the storage suites run: plain strict Azurite, or the same Azurite
 * behind the OneLake-shaped proxy (OneLake's paths, bearer tokens and rules).
 * Both go through the product's own store factory.
 */
export type StorageFlavor = 'azurite' | 'onelake';
export const FLAVORS: StorageFlavor[] = ['azurite', 'onelake'];

let rig: Promise<OneLakeProxy> | undefined;

/**
 * The OneLake-shaped proxy for this test file, started on first use. Its
 * endpoint goes into LAKEHOUSE_ONELAKE_ENDPOINT, so in-process stores and the
 * CLI processes the tests spawn both reach OneLake locations through it.
 */
export function oneLakeRig(): Promise<OneLakeProxy> {
  rig ??= startOneLakeProxy({ azurite: inject('azuriteUrl') }).then((proxy) => {
    process.env[ONELAKE_ENDPOINT_ENV] = proxy.blobEndpoint;
    return proxy;
  });
  return rig;
}

afterAll(async () => {
  if (!rig) return;
  const proxy = await rig;
  rig = undefined;
  delete process.env[ONELAKE_ENDPOINT_ENV];
  await proxy.stop();
});

/**
 * A fresh workspace per test, so tests never see each other's blobs: a new
 * Azurite container, or on the OneLake flavor a new Fabric workspace (a name
 * with spaces and capitals, as real ones have) registered with the proxy.
 */
export async function freshLakehouse(
  opts: {
    staleAfter?: string;
    createContainer?: boolean;
    flavor?: StorageFlavor;
    singleShotLimitBytes?: number;
    /** OneLake flavor: the workspace's display name (default: one with spaces and capitals). */
    workspace?: string;
    /** The lakehouse item's name (default `test`). */
    item?: string;
  } = {},
) {
  const suffix = randomBytes(6).toString('hex');
  let location: string;
  if (opts.flavor === 'onelake') {
    const proxy = await oneLakeRig();
    const lh = await proxy.addLakehouse({
      workspace: opts.workspace ?? `Lakehouse Tests ${suffix.toUpperCase()}`,
      item: opts.item ?? 'test',
    });
    location = `onelake://${lh.workspace}/${lh.item}`;
  } else {
    const url = new URL(inject('azuriteUrl'));
    location = `azurite://${url.host}/ws-${suffix}/${opts.item ?? 'test'}.Lakehouse`;
  }
  const [entry] = resolveEntries([{ name: 'test', location, staleAfter: opts.staleAfter ?? '12h' }], 'test');
  const { store, guard } = await openCatalogLease(entry!, {
    credential: opts.flavor === 'onelake' ? loopbackTestCredential() : undefined,
    holder: 'test@runner',
    tool: 'lakehouse-dev/test',
    duckdb,
    singleShotLimitBytes: opts.singleShotLimitBytes,
  });
  // OneLake workspaces cannot be created through storage: the rig registered it above.
  if (opts.flavor !== 'onelake' && opts.createContainer !== false) await store.container.create();
  return {
    entry: entry!,
    store,
    guard,
    location,
    flavor: opts.flavor ?? 'azurite',
    singleShotLimitBytes: opts.singleShotLimitBytes,
  };
}

/** Another guard on the same catalog as a different holder, or with a shifted clock. */
export function guardFor(
  entry: LakehouseEntry,
  store: Awaited<ReturnType<typeof freshLakehouse>>['store'],
  opts: {
    holder?: string;
    now?: () => Date;
    staleAfterMs?: number;
    singleShotLimitBytes?: number;
    pause?: (ms: number) => Promise<void>;
  } = {},
) {
  return new LeaseGuard({
    blob: store.blob(entry.catalogPath),
    stagingBlob: (suffix) => store.blob(`${entry.catalogPath}${suffix}`),
    singleShotLimitBytes: opts.singleShotLimitBytes,
    catalogName: 'metadata.db',
    staleAfterMs: opts.staleAfterMs ?? entry.staleAfterMs,
    holder: opts.holder ?? 'other@host',
    tool: 'lakehouse-dev/test',
    now: opts.now,
    pause: opts.pause,
  });
}

export interface CliResult {
  code: number;
  /** Set when the process was killed (e.g. SIGKILL by fault injection). */
  signal?: string;
  stdout: string;
  stderr: string;
  json: Record<string, unknown> & { ok?: boolean; error?: { code: string; message: string }; elapsedMs?: number };
}

/** Runs the built CLI as a separate OS process. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  cwd?: string,
  timeoutMs = 60_000,
): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, ...env }, cwd, timeout: timeoutMs },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        const signal = error && 'signal' in error && error.signal ? String(error.signal) : undefined;
        let json: CliResult['json'] = {};
        try {
          json = JSON.parse(stdout);
        } catch {
          // not JSON output
        }
        resolvePromise({ code, signal, stdout, stderr, json });
      },
    );
  });
}

/** Starts the CLI and resolves once it printed its result (for holders that keep running). */
export function startCli(args: string[], cwd?: string): Promise<{ child: ChildProcess; stdout: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('Acquired')) resolvePromise({ child, stdout });
    });
    child.on('exit', (code) => reject(new Error(`CLI exited early with ${code}: ${stdout}`)));
  });
}

/** Polls until the guard judges the lease stale (bounded); the age comes from the service's clock. */
export async function untilStale(guard: LeaseGuard): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if ((await guard.inspect()).status === 'stale') return;
    await sleep(250);
  }
  throw new Error('the lease never became stale');
}
