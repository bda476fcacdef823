import { describe, expect, it } from 'vitest';
import { parseLakehouseFile } from '../../../src/core/config/lakehouseConfig';
import { describeTeamSnapshot, type TeamSnapshot } from '../../../src/core/team/teamSnapshot';
import { TeamCatalogStore } from '../../../src/extension/team/teamCatalogStore';

const [entry] = parseLakehouseFile(
  'lakehouses:\n  - name: sales\n    location: azurite://127.0.0.1:10000/ws/sales.Lakehouse\n    catalog: { type: postgres, connection_env: PG_SALES }\n',
  'lakehouse.yml',
);

describe('team catalog store (what the tree shows instead of a lease)', () => {
  it('answers from the cache at once, reads in the background once, and re-reads only after its budget', async () => {
    let clock = 0;
    let reads = 0;
    const snapshot: TeamSnapshot = { id: 7, time: new Date('2026-11-29T10:00:00Z'), author: 'ana@team' };
    const store = new TeamCatalogStore({
      connection: async () => 'host=db dbname=lake',
      read: async () => ({ ...snapshot, id: snapshot.id + reads++ }),
      maxAgeMs: 1000,
      now: () => clock,
    });
    const changed: string[] = [];
    store.onDidChange((name) => changed.push(name));
    expect(store.peek(entry!)).toEqual({ loading: true });
    store.peek(entry!); // a second look while reading does not read again
    await store.refresh(entry!);
    expect(reads).toBe(1);
    expect(changed).toEqual(['sales']);
    expect(store.peek(entry!).snapshot?.id).toBe(7);
    clock = 500;
    store.peek(entry!);
    await store.refresh(entry!);
    expect(reads).toBe(2); // refresh() reads on demand (after a run)
    clock = 1000;
    store.peek(entry!);
    expect(reads).toBe(2); // within budget: no read
    clock = 2600;
    store.peek(entry!);
    await store.refresh(entry!);
    expect(reads).toBe(3);
  });

  it('says when no connection is set, and keeps a read error as text', async () => {
    const none = new TeamCatalogStore({
      connection: async () => undefined,
      read: async () => {
        throw new Error('x');
      },
      maxAgeMs: 1,
    });
    await none.refresh(entry!);
    expect(none.peek(entry!).noConnection).toBe(true);
    const failing = new TeamCatalogStore({
      connection: async () => 'host=db',
      read: async () => {
        throw new Error('connection refused');
      },
      maxAgeMs: 60_000,
    });
    await failing.refresh(entry!);
    expect(failing.peek(entry!).error).toContain('connection refused');
  });

  it('describes the latest snapshot with its author and age', () => {
    const now = new Date('2026-11-29T10:05:00Z');
    expect(describeTeamSnapshot({ id: 42, time: new Date('2026-11-29T10:02:00Z'), author: 'ana@team' }, now)).toBe(
      'snapshot 42 · ana@team · 3 min ago',
    );
    expect(describeTeamSnapshot({ id: 1, time: new Date('2026-11-29T10:04:50Z') }, now)).toBe('snapshot 1 · just now');
  });
});
