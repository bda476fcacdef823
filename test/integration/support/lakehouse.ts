import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { inject } from 'vitest';
import { resolveEntries, type LakehouseEntry } from '../../../src/core/config/lakehouseConfig';
import { openCatalogLease } from '../../../src/core/lease/catalogLease';
import { LeaseGuard } from '../../../src/core/lease/leaseGuard';

export const CLI = resolve(__dirname, '../../../dist/cli.js');
export const duckdb = { extensionDirectory: process.env.LAKEHOUSE_DUCKDB_EXTENSIONS };

/** A fresh container (workspace) per test on the shared Azurite, so tests never see each other's blobs. */
export async function freshLakehouse(opts: { staleAfter?: string; createContainer?: boolean } = {}) {
  const url = new URL(inject('azuriteUrl'));
  const container = `ws-${randomBytes(6).toString('hex')}`;
  const location = `azurite://${url.host}/${container}/test.Lakehouse`;
  const [entry] = resolveEntries([{ name: 'test', location, staleAfter: opts.staleAfter ?? '12h' }], 'test');
  const { store, guard } = await openCatalogLease(entry!, {
    holder: 'test@runner',
    tool: 'lakehouse-dev/test',
    duckdb,
  });
  if (opts.createContainer !== false) await store.container.create();
  return { entry: entry!, store, guard, location };
}

/** Another guard on the same catalog as a different holder, or with a shifted clock. */
export function guardFor(
  entry: LakehouseEntry,
  store: Awaited<ReturnType<typeof freshLakehouse>>['store'],
  opts: { holder?: string; now?: () => Date; staleAfterMs?: number } = {},
) {
  return new LeaseGuard({
    blob: store.blob(entry.catalogPath),
    catalogName: 'metadata.db',
    staleAfterMs: opts.staleAfterMs ?? entry.staleAfterMs,
    holder: opts.holder ?? 'other@host',
    tool: 'lakehouse-dev/test',
    now: opts.now,
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
export function runCli(args: string[], env: Record<string, string> = {}, cwd?: string): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { ...process.env, ...env }, cwd, timeout: 60_000 },
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
