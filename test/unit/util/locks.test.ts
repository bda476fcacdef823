import { describe, expect, it } from 'vitest';
import { Mutex, ReadWriteLock, Semaphore } from '../../../src/core/util/locks';
import { changesConnectionState } from '../../../src/core/models/sql-executor';

/** A job that records when it starts and ends, and finishes when told. */
function gate(log: string[], name: string) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return {
    open,
    job: async () => {
      log.push(`${name}+`);
      await opened;
      log.push(`${name}-`);
    },
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the parallel run locks', () => {
  it('a reader/writer lock runs shared jobs together, an exclusive one alone, and holds back new readers once a writer waits', async () => {
    const lock = new ReadWriteLock();
    const log: string[] = [];
    const r1 = gate(log, 'r1');
    const r2 = gate(log, 'r2');
    const w = gate(log, 'w');
    const r3 = gate(log, 'r3');
    const done = [lock.shared(r1.job), lock.shared(r2.job)];
    await tick();
    expect(log).toEqual(['r1+', 'r2+']);
    done.push(lock.exclusive(w.job));
    await tick();
    done.push(lock.shared(r3.job));
    await tick();
    // The writer waits for both readers; the reader asked after it waits for the writer.
    expect(log).toEqual(['r1+', 'r2+']);
    r1.open();
    await tick();
    expect(log).toEqual(['r1+', 'r2+', 'r1-']);
    r2.open();
    await tick();
    expect(log.slice(3)).toEqual(['r2-', 'w+']);
    w.open();
    await tick();
    r3.open();
    await Promise.all(done);
    expect(log.slice(4)).toEqual(['w+', 'w-', 'r3+', 'r3-']);
  });

  it('two exclusive jobs never overlap, and a failed one releases the lock', async () => {
    const lock = new ReadWriteLock();
    let inside = 0;
    let most = 0;
    const job = async (fail: boolean) => {
      inside++;
      most = Math.max(most, inside);
      await tick();
      inside--;
      if (fail) throw new Error('boom');
    };
    const results = await Promise.allSettled([lock.exclusive(() => job(true)), lock.exclusive(() => job(false))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    expect(most).toBe(1);
    await lock.shared(async () => undefined);
  });

  it('a semaphore lets `size` jobs in at once; a mutex one, in the order asked', async () => {
    const semaphore = new Semaphore(2);
    let inside = 0;
    let most = 0;
    const job = async () => {
      inside++;
      most = Math.max(most, inside);
      await tick();
      await tick();
      inside--;
    };
    await Promise.all([1, 2, 3, 4, 5].map(() => semaphore.run(job)));
    expect(most).toBe(2);
    const mutex = new Mutex();
    const order: number[] = [];
    await Promise.allSettled(
      [1, 2, 3].map((n) =>
        mutex.run(async () => {
          await tick();
          order.push(n);
          if (n === 2) throw new Error('boom');
        }),
      ),
    );
    expect(order).toEqual([1, 2, 3]);
  });
});

describe('statements that change a connection’s own state', () => {
  it('are SET, RESET, USE, PRAGMA and temp objects other than the runner’s staging tables', () => {
    for (const sql of [
      'SET search_path = lake',
      "select 1; SET VARIABLE x = 'a'",
      '-- comment\nUSE lake.main',
      'RESET TimeZone',
      'PRAGMA enable_profiling',
      'create or replace temp macro twice(x) as x * 2',
      'CREATE TEMPORARY VIEW v AS SELECT 1',
    ])
      expect(changesConnectionState(sql), sql).toBe(true);
    for (const sql of [
      'CREATE OR REPLACE TABLE "lake"."main"."a" AS (select 1)',
      'UPDATE t\nSET a = 1',
      'ALTER TABLE "lake"."main"."a" SET SORTED BY (id)',
      'CREATE OR REPLACE TEMP TABLE "a__dbt_tmp" AS (select 1)',
      'create temp table temp.main."s__dbt_snapshot_0a1b2c3d" as (select 1)',
      "CALL lake.set_option('x', 1)",
      'select 1 /* SET x = 1 */',
    ])
      expect(changesConnectionState(sql), sql).toBe(false);
  });
});
