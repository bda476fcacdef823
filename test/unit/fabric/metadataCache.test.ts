import { describe, expect, it } from 'vitest';
import { MetadataCache } from '../../../src/extension/fabric/metadataCache';

function setup(budgetMs = 60_000) {
  let now = 1_000_000;
  const cache = new MetadataCache(
    () => budgetMs,
    () => now,
  );
  let calls = 0;
  let value = 'a';
  const load = async () => {
    calls++;
    return value;
  };
  return {
    cache,
    load,
    calls: () => calls,
    set: (v: string) => (value = v),
    advance: (ms: number) => (now += ms),
  };
}

describe('MetadataCache (the staleness budget)', () => {
  it('answers from the cache within the budget and loads again after it', async () => {
    const t = setup();
    expect(await t.cache.get('k', t.load)).toBe('a');
    t.advance(59_000);
    expect(await t.cache.get('k', t.load)).toBe('a');
    expect(t.calls()).toBe(1);
    t.advance(2_000);
    t.set('b');
    expect(await t.cache.get('k', t.load)).toBe('b');
    expect(t.calls()).toBe(2);
  });

  it('shares one load between concurrent readers', async () => {
    const t = setup();
    await Promise.all([t.cache.get('k', t.load), t.cache.get('k', t.load), t.cache.get('k', t.load)]);
    expect(t.calls()).toBe(1);
  });

  it('invalidate forces the next read to load, within the budget', async () => {
    const t = setup();
    await t.cache.get('k', t.load);
    t.cache.invalidate();
    await t.cache.get('k', t.load);
    expect(t.calls()).toBe(2);
  });

  it('caches failures for the budget too, so a 403 is not asked again on every render', async () => {
    const t = setup();
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('403');
    };
    await expect(t.cache.get('k', failing)).rejects.toThrow('403');
    await expect(t.cache.get('k', failing)).rejects.toThrow('403');
    expect(calls).toBe(1);
  });

  it('refreshExpired reloads only expired keys and reports only the changed ones', async () => {
    const t = setup();
    await t.cache.get('same', async () => 'x');
    await t.cache.get('moves', t.load);
    expect(await t.cache.refreshExpired()).toEqual([]);
    expect(t.calls()).toBe(1);
    t.advance(61_000);
    t.set('b');
    expect(await t.cache.refreshExpired()).toEqual(['moves']);
    expect(t.calls()).toBe(2);
  });
});
