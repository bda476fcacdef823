import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { TOOL_VERSION } from '../../../src/core/identity';
import { CLI } from '../support/lakehouse';

const run = promisify(execFile);
const cacheRoot = mkdtempSync(join(tmpdir(), 'lakehouse-code-cache-'));
const cacheDir = join(cacheRoot, 'lakehouse-dev', 'code-cache');
afterAll(() => rmSync(cacheRoot, { recursive: true, force: true }));

/** `lakehouse <args>` with the code cache in a folder of this test's own. */
async function cli(args: string[], env: Record<string, string> = {}) {
  const { stdout } = await run(process.execPath, [CLI, ...args], {
    env: { ...process.env, XDG_CACHE_HOME: cacheRoot, ...env },
  });
  return stdout.trim();
}

const files = () => readdirSync(cacheDir).filter((f) => f.endsWith('.bin'));
const identity = (f: string) => {
  const s = statSync(join(cacheDir, f));
  return `${s.ino}:${s.mtimeMs}`;
};

describe('the CLI loads its bundle through V8 code cache (dist/cli.js → dist/cliMain.js)', () => {
  it('loads a bundle of pure ASCII (V8 keeps it as a one-byte string; any other byte doubles it)', () => {
    const bundle = readFileSync(join(dirname(CLI), 'cliMain.js'));
    expect(bundle.length).toBeGreaterThan(0);
    expect(bundle.findIndex((byte) => byte > 0x7f)).toBe(-1);
  });

  it('writes one cache per command, then runs from it without writing it again', async () => {
    expect(await cli(['--version'])).toBe(TOOL_VERSION);
    expect(files()).toEqual([expect.stringMatching(/^cli-[0-9a-f]{16}-other\.bin$/)]);
    const first = identity(files()[0]!);
    expect(await cli(['--version'])).toBe(TOOL_VERSION);
    // V8 accepted the cache: a refused (or missing) one is written again at exit.
    expect(identity(files()[0]!)).toBe(first);

    const help = await cli(['publish', '--help']);
    expect(help).toContain('lease, upload new data files');
    expect(files().sort()).toEqual([expect.stringMatching(/-other\.bin$/), expect.stringMatching(/-publish\.bin$/)]);
  });

  it('a damaged cache is never handed to V8: the command runs as usual and the cache is written anew', async () => {
    await cli(['--version']);
    const file = files().find((f) => f.endsWith('-other.bin'))!;
    const bytes = readFileSync(join(cacheDir, file));
    for (let i = 100; i < bytes.length; i += 997) bytes[i] = bytes[i]! ^ 0xff; // past the key and checksum
    writeFileSync(join(cacheDir, file), bytes);
    const damaged = identity(file);
    expect(await cli(['--version'])).toBe(TOOL_VERSION);
    expect(identity(file)).not.toBe(damaged);
    expect(readFileSync(join(cacheDir, file)).equals(bytes)).toBe(false);

    // Someone else's file under the name (another key): the same.
    writeFileSync(join(cacheDir, file), Buffer.alloc(4096, 7));
    expect(await cli(['--version'])).toBe(TOOL_VERSION);
    expect(readFileSync(join(cacheDir, file)).equals(Buffer.alloc(4096, 7))).toBe(false);
  });

  it('LAKEHOUSE_CODE_CACHE=0 loads the bundle plainly and writes nothing', async () => {
    const before = files().map(identity);
    expect(await cli(['lease', '--help'], { LAKEHOUSE_CODE_CACHE: '0' })).toContain('lease');
    expect(files().map(identity)).toEqual(before);
  });
});
