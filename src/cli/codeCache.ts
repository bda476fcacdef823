/**
 * How a short-lived command process loads its bundle: through V8's code cache (the `lakehouse` command,
 * dist/cli.js → dist/cliMain.js ~4 MB; the Delta export bench's process the same way, so it measures what the CLI pays). Parsing and compiling the bundle afresh was ~40–50 ms of CPU in every process, a sixth of a small
 * publish; with the cache V8 reads the compiled code (including the functions the last run compiled lazily).
 *
 * The cache is one file per bundle and command in the user's cache folder. It starts with a key (the bundle's path,
 * size and modification time, Node's version; a rebuilt bundle or another Node never gets an old cache) and
 * a checksum of the cached code (a damaged file is not handed to V8).
 * V8 itself refuses a cache made with other flags; a refused or missing cache is written again when the
 * process exits. The cache holds only compiled code of our own bundle, never data. Anything wrong with it
 * (unreadable folder, damaged file) falls back to a plain load. LAKEHOUSE_CODE_CACHE=0 turns it off.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { constants, Script } from 'node:vm';

const HASH_BYTES = 32;

/** One cache per bundle and command: each holds the functions its command compiled (publish's, pull's…). */
function cacheFile(bundle: string, command: string | undefined): string {
  const root = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const name = createHash('sha256').update(bundle).digest('hex').slice(0, 16);
  const verb = command && /^[a-z][a-z-]{0,30}$/.test(command) ? command : 'other';
  return join(root, 'lakehouse-dev', 'code-cache', `cli-${name}-${verb}.bin`);
}

function cacheKey(bundle: string): Buffer {
  const info = statSync(bundle);
  return createHash('sha256')
    .update(`${bundle}\0${info.size}\0${info.mtimeMs}\0${process.version}\0${process.arch}`)
    .digest();
}

const digest = (data: Buffer) => createHash('sha256').update(data).digest();

/** key, SHA-256 of the data, data: V8 checks a cache's versions and flags but (in release builds) not its bytes. */
function readCache(file: string, key: Buffer): Buffer | undefined {
  try {
    const bytes = readFileSync(file);
    const data = bytes.subarray(2 * HASH_BYTES);
    const intact =
      bytes.subarray(0, HASH_BYTES).equals(key) && bytes.subarray(HASH_BYTES, 2 * HASH_BYTES).equals(digest(data));
    return intact && data.length > 0 ? data : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(file: string, key: Buffer, data: Buffer): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(temp, Buffer.concat([key, digest(data), data]), { mode: 0o600 });
    renameSync(temp, file); // atomic: concurrent CLI processes never read half a cache
  } catch {
    rmSync(temp, { force: true });
  }
}

function loadWithCodeCache(bundle: string, command: string | undefined): boolean {
  let source: string;
  let key: Buffer;
  let file: string;
  try {
    source = readFileSync(bundle, 'utf8');
    key = cacheKey(bundle);
    file = cacheFile(bundle, command);
  } catch {
    return false;
  }
  const cachedData = readCache(file, key);
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundle,
    cachedData,
    importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  if (!cachedData || script.cachedDataRejected) {
    // After the command ran, so the cache also holds the functions it compiled on the way.
    process.once('exit', () => writeCache(file, key, script.createCachedData()));
  }
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  const module = { exports: {} };
  run(module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  return true;
}

// The catalog is read by SQLite compiled to WebAssembly. With V8's default tiering budget (1.8M) the first
// catalog queries of a short command hot-swap SQLite's functions to optimized code, and the main thread then
// waited 30–120 ms on the compiler threads (a fifth of a small publish); a 300M budget kept short commands on
// the baseline code, but that baseline (Liftoff with dynamic tiering) still counts budgets and collects call
// feedback for a tier-up that never comes. --liftoff-only compiles SQLite once, plain: the Delta export of a
// 1k-file table fell from 0.22 to 0.12 CPU-s (10k: 0.61 → 0.51), and reading 500k stats rows in one process
// costs 280 CPU-ms instead of 345 at the same wall time, so long reads lose nothing either. Set before any
// code is compiled (V8 also checks the flags a code cache was made with); command processes only (the CLI,
// the Delta bench's export): the extension host's V8 is shared with other extensions.
export function useCommandV8Flags(): void {
  setFlagsFromString('--liftoff-only');
}

/** Runs `bundle` (a CommonJS bundle) through its code cache for `command`; a plain require when that cannot be done. */
export function runBundle(bundle: string, command: string | undefined): void {
  if (process.env.LAKEHOUSE_CODE_CACHE === '0' || !loadWithCodeCache(bundle, command)) createRequire(bundle)(bundle);
}
