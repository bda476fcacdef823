import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MIRROR_BUSY_KEY, MIRROR_COMMANDS, MirrorBusyStore } from '../../../src/extension/mirrorBusy';
import { contextValue, type TreeNode } from '../../../src/extension/tree/treeNodes';
import type { LakehouseEntry } from '../../../src/core/config/lakehouseConfig';

/** A promise the test settles by hand, so an operation is provably still running while we look. */
function gate<T = void>() {
  let open!: (value: T) => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<T>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

function watch(store: MirrorBusyStore) {
  const seen: string[][] = [];
  store.onDidChange(() => seen.push(store.busy()));
  return seen;
}

describe('MirrorBusyStore', () => {
  it('marks a mirror busy while its operation runs, and emits on start and end', async () => {
    const store = new MirrorBusyStore();
    const seen = watch(store);
    const work = gate<number>();
    const running = store.run('sales', 'pull', () => work.promise);
    expect(store.isBusy('sales')).toBe(true);
    expect(store.isBusy('other')).toBe(false);
    expect(store.current('sales')?.what).toBe('pull');
    expect(seen).toEqual([['sales']]);
    work.open(42);
    await expect(running).resolves.toBe(42);
    expect(store.isBusy('sales')).toBe(false);
    expect(store.current('sales')).toBeUndefined();
    expect(seen).toEqual([['sales'], []]);
  });

  it('counts nested and parallel operations: free again only when the last one ends', async () => {
    const store = new MirrorBusyStore();
    const seen = watch(store);
    const outer = gate();
    const inner = gate();
    const other = gate();
    const a = store.run('sales', 'run', () => outer.promise);
    const b = store.run('sales', 'publish', () => inner.promise);
    const c = store.run('energy', 'pull', () => other.promise);
    expect(store.busy()).toEqual(['energy', 'sales']);
    outer.open();
    await a;
    expect(store.isBusy('sales')).toBe(true);
    // The oldest operation still running is the one shown.
    expect(store.current('sales')?.what).toBe('publish');
    inner.open();
    await b;
    expect(store.isBusy('sales')).toBe(false);
    expect(store.busy()).toEqual(['energy']);
    other.open();
    await c;
    expect(store.busy()).toEqual([]);
    expect(seen.at(-1)).toEqual([]);
    expect(seen).toHaveLength(6);
  });

  it('clears the mark when the operation fails, is cancelled, or throws before awaiting', async () => {
    const store = new MirrorBusyStore();
    const work = gate();
    const failing = store.run('sales', 'publish', () => work.promise);
    work.fail(new Error('lease-busy'));
    await expect(failing).rejects.toThrow('lease-busy');
    expect(store.isBusy('sales')).toBe(false);

    await expect(
      store.run('sales', 'pull', () => {
        throw new Error('sync failure');
      }),
    ).rejects.toThrow('sync failure');
    expect(store.isBusy('sales')).toBe(false);
  });

  it('a listener that throws does not keep the mirror marked busy', async () => {
    const store = new MirrorBusyStore();
    store.onDidChange(() => {
      throw new Error('disposed view');
    });
    await store.run('sales', 'run', () => Promise.resolve());
    expect(store.isBusy('sales')).toBe(false);
  });
});

describe('the lakehouse tree item of a busy mirror', () => {
  it('is lakehouse.busy, so menus matching `viewItem == lakehouse` are not offered on it', () => {
    const node = { kind: 'lakehouse', id: 'lh:sales', entry: { name: 'sales' } as LakehouseEntry } as TreeNode;
    expect(contextValue(node)).toBe('lakehouse');
    expect(contextValue(node, (name) => name === 'sales')).toBe('lakehouse.busy');
    expect(contextValue(node, (name) => name === 'energy')).toBe('lakehouse');
  });
});

type MenuItem = { command: string; when?: string };
const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as {
  contributes: { menus: Record<string, MenuItem[]> };
};
const menus = manifest.contributes.menus;

/** True when the clause is a top-level conjunct of the when expression (not under an ||). */
function requires(when: string | undefined, clause: string): boolean {
  if (!when) return false;
  let depth = 0;
  const conjuncts: string[] = [];
  let current = '';
  for (let i = 0; i < when.length; i++) {
    const ch = when[i];
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (depth === 0 && when.startsWith('&&', i)) {
      conjuncts.push(current.trim());
      current = '';
      i++;
      continue;
    }
    if (depth === 0 && when.startsWith('||', i)) return false;
    current += ch;
  }
  conjuncts.push(current.trim());
  return conjuncts.includes(clause);
}

describe('package.json: no mirror-taking command is offered while a mirror is busy', () => {
  it('MIRROR_COMMANDS is every command whose handler takes a mirror (commands.ts)', () => {
    const table = readFileSync('src/extension/commands.ts', 'utf8');
    const taking = [
      ...table.matchAll(
        /'(lakehouse\.[\w.]+)': \([^)]*\) =>\s*(?:runModelsCommand|pullCommand|publishCommand|resetLocalCommand|exportDeltaCommand)\(/g,
      ),
    ].map((m) => m[1]);
    expect(taking.length).toBeGreaterThan(5);
    expect([...taking].sort()).toEqual([...MIRROR_COMMANDS].sort());
  });

  for (const id of MIRROR_COMMANDS) {
    it(`${id}`, () => {
      const palette = menus.commandPalette!.filter((m) => m.command === id);
      // Listed in the palette menu (a command with no entry would be offered unconditionally).
      expect(palette.length).toBeGreaterThan(0);
      for (const [menu, items] of Object.entries(menus)) {
        for (const item of items.filter((m) => m.command === id)) {
          if (menu === 'view/item/context') {
            // Per lakehouse: only on a lakehouse item whose mirror is free.
            expect(requires(item.when, 'viewItem == lakehouse'), `${menu}: ${item.when}`).toBe(true);
            expect(item.when).not.toMatch(/viewItem =~/);
          } else {
            expect(requires(item.when, `!${MIRROR_BUSY_KEY}`), `${menu}: ${item.when}`).toBe(true);
          }
        }
      }
    });
  }

  it('commands that only read stay offered on a busy lakehouse (Check Readiness, Copy Path)', () => {
    const readiness = menus['view/item/context']!.find((m) => m.command === 'lakehouse.checkReadiness');
    expect(readiness?.when).toMatch(/viewItem =~ \/\^lakehouse\(\\\.busy\)\?\$\//);
    expect(requires(readiness?.when, `!${MIRROR_BUSY_KEY}`)).toBe(false);
  });
});
