import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fsDeltaLogStore } from '../../../src/core/delta/fsLogStore';
import { CountingDeltaLogStore } from '../../../src/core/delta/logStore';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('fsDeltaLogStore', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'delta-store-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('puts a file only if absent and never overwrites it', async () => {
    const store = fsDeltaLogStore(root);
    expect(await store.putIfAbsent('main/t/_delta_log/0.json', bytes('first'))).toBe('written');
    expect(await store.putIfAbsent('main/t/_delta_log/0.json', bytes('second'))).toBe('exists');
    expect(await readFile(join(root, 'main/t/_delta_log/0.json'), 'utf8')).toBe('first');
    // No temp files are left behind.
    expect(await readdir(join(root, 'main/t/_delta_log'))).toEqual(['0.json']);
  });

  it('lets exactly one of many concurrent writers win a version', async () => {
    const store = fsDeltaLogStore(root);
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, i) => store.putIfAbsent('t/_delta_log/1.json', bytes(`writer ${i}`))),
    );
    expect(outcomes.filter((o) => o === 'written')).toHaveLength(1);
    const winner = outcomes.indexOf('written');
    expect(await readFile(join(root, 't/_delta_log/1.json'), 'utf8')).toBe(`writer ${winner}`);
  });

  it('reads, lists and overwrites with put', async () => {
    const store = fsDeltaLogStore(root);
    expect(await store.read('t/_delta_log/_last_checkpoint')).toBeUndefined();
    expect(await store.list('t/_delta_log/')).toEqual([]);
    await store.put('t/_delta_log/_last_checkpoint', bytes('{"version":1}'));
    await store.put('t/_delta_log/_last_checkpoint', bytes('{"version":2}'));
    expect(new TextDecoder().decode(await store.read('t/_delta_log/_last_checkpoint'))).toBe('{"version":2}');
    expect(await store.list('t/_delta_log/')).toEqual(['_last_checkpoint']);
  });

  it('refuses paths that leave the root', async () => {
    const store = fsDeltaLogStore(join(root, 'Tables'));
    await expect(store.putIfAbsent('../escape.json', bytes('x'))).rejects.toThrow(/could leave its folder/);
    await expect(store.read('/etc/passwd')).rejects.toThrow(/absolute/);
    await expect(store.put('a/../../b', bytes('x'))).rejects.toThrow(/could leave its folder/);
  });

  it('counts requests through CountingDeltaLogStore', async () => {
    const store = new CountingDeltaLogStore(fsDeltaLogStore(root));
    await store.list('t/_delta_log/');
    await store.read('t/_delta_log/0.json');
    await store.putIfAbsent('t/_delta_log/0.json', bytes('x'));
    await store.put('t/_delta_log/_last_checkpoint', bytes('x'));
    expect(new TextDecoder().decode(await store.readHead('t/_delta_log/_last_checkpoint', 8))).toBe('x');
    expect(store.snapshot()).toEqual({ reads: 2, lists: 1, writes: 2, total: 5 });
  });
});
