import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fsDeltaLogStore } from '../../../src/core/delta';
import { writesAfter } from '../../../src/core/publish/gatedLogStore';
import { CancelledError } from '../../../src/core/errors';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function store() {
  const dir = mkdtempSync(join(tmpdir(), 'gated-log-store-'));
  dirs.push(dir);
  return fsDeltaLogStore(dir);
}

function gate() {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (data: Uint8Array | undefined) => (data ? new TextDecoder().decode(data) : undefined);

describe('writesAfter (Delta writes wait for the catalog commit)', () => {
  it('reads and lists at once, and writes only after the gate opens', async () => {
    const logs = store();
    await logs.putIfAbsent('t/_delta_log/00000000000000000000.json', bytes('v0'));
    const g = gate();
    const gated = writesAfter(logs, g.promise);

    expect(await gated.list('t/_delta_log/')).toEqual(['00000000000000000000.json']);
    expect(text(await gated.read('t/_delta_log/00000000000000000000.json'))).toBe('v0');

    const put = gated.putIfAbsent('t/_delta_log/00000000000000000001.json', bytes('v1'));
    const last = gated.put('t/_delta_log/_last_checkpoint', bytes('{}'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await logs.read('t/_delta_log/00000000000000000001.json')).toBeUndefined();
    expect(await logs.read('t/_delta_log/_last_checkpoint')).toBeUndefined();

    g.open();
    expect(await put).toBe('written');
    await last;
    expect(text(await logs.read('t/_delta_log/00000000000000000001.json'))).toBe('v1');
    expect(text(await logs.read('t/_delta_log/_last_checkpoint'))).toBe('{}');
  });

  it('never writes when the gate fails, and reports the gate’s error', async () => {
    const logs = store();
    const g = gate();
    const gated = writesAfter(logs, g.promise);
    const put = gated.putIfAbsent('t/_delta_log/00000000000000000000.json', bytes('v0'));
    const last = gated.put('t/_delta_log/_last_checkpoint', bytes('{}'));
    g.fail(new Error('catalog commit refused'));
    await expect(put).rejects.toThrow('catalog commit refused');
    await expect(last).rejects.toThrow('catalog commit refused');
    expect(await logs.list('t/_delta_log/')).toEqual([]);
  });

  it('writes nothing once the publish was cancelled, even after the gate opened', async () => {
    const logs = store();
    const g = gate();
    const controller = new AbortController();
    const gated = writesAfter(logs, g.promise, controller.signal);
    const put = gated.putIfAbsent('t/_delta_log/00000000000000000000.json', bytes('v0'));
    controller.abort();
    g.open();
    await expect(put).rejects.toBeInstanceOf(CancelledError);
    expect(await logs.list('t/_delta_log/')).toEqual([]);
  });
});
