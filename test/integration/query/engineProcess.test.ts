import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryEngineClient } from '../../../src/core/engine/client';
import { CancelledError } from '../../../src/core/errors';
import { DuckDBSession } from '../../../src/core/lake/duckdb';
import { attachWorkingCatalog } from '../../../src/core/lake/lakeSession';
import type { LocalMirror } from '../../../src/core/lake/localMirror';
import { EngineCrashedError } from '../../../src/core/query/errors';
import type { QueryTarget } from '../../../src/core/query/types';
import { duckdb } from '../support/lakehouse';
import { engineFor, localLakehouse, resolverFor } from './helpers';

const target: QueryTarget = { kind: 'local', lakehouse: 'proc' };
const SLOW = 'select sum(a.i * b.i) from range(300000) a(i), range(300000) b(i)';
let engine: QueryEngineClient;
let mirror: LocalMirror;

beforeAll(async () => {
  const made = await localLakehouse('proc', ['CREATE TABLE lake.main.t AS SELECT i AS id FROM range(1000) t(i)']);
  mirror = made.mirror;
  engine = engineFor(resolverFor({ 'local:proc': made.spec }));
});
afterAll(() => engine.close());

/** Resolves once the engine has started running (a page call answered means the process is up). */
async function started(): Promise<void> {
  await new Promise((r) => setTimeout(r, 400));
}

describe('the engine process', () => {
  it('a killed engine rejects the call in flight with EngineCrashedError; the next query starts a fresh one', async () => {
    const warm = await engine.run({ sql: 'select 1', target });
    const pid = engine.pid!;
    expect(pid).toBeGreaterThan(0);
    expect(pid).not.toBe(process.pid);
    const running = engine.run({ sql: SLOW, target });
    await started();
    process.kill(pid, 'SIGKILL');
    const error = await running.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineCrashedError);
    expect((error as EngineCrashedError).code).toBe('engine-crashed');
    expect((error as Error).message).toMatch(
      /query engine stopped \(killed by SIGKILL\); the next query starts a fresh one/,
    );

    const next = await engine.run({ sql: 'select count(*) from t', target });
    expect(engine.pid).not.toBe(pid);
    expect((await engine.page(next.resultId, { offset: 0, limit: 1 })).rows).toEqual([['1000']]);
    // Results of the dead engine are gone, and say so.
    expect(await engine.page(warm.resultId, { offset: 0, limit: 1 }).catch((e: { code: string }) => e.code)).toBe(
      'result-gone',
    );
  });

  it('cancel interrupts DuckDB (the process lives on) and the next query works', async () => {
    await engine.run({ sql: 'select 1', target });
    const pid = engine.pid;
    const abort = new AbortController();
    const running = engine.run({ sql: SLOW, target }, abort.signal);
    await started();
    abort.abort();
    await expect(running).rejects.toBeInstanceOf(CancelledError);
    expect(engine.pid).toBe(pid);
    const next = await engine.run({ sql: 'select 42', target });
    expect((await engine.page(next.resultId, { offset: 0, limit: 1 })).rows).toEqual([['42']]);
  });

  it('opens the local catalog read-only: a run writing it is never blocked, and the next query sees its commit', async () => {
    const run = await DuckDBSession.open({ ...duckdb, threads: 1 });
    try {
      await attachWorkingCatalog(run, mirror, { format: 'sqlite' });
      await run.run('BEGIN');
      await run.run('INSERT INTO lake.main.t SELECT i FROM range(1000, 1500) t(i)');
      // The run holds its transaction open; a query runs meanwhile and sees the committed state.
      const during = await engine.run({ sql: 'select count(*) from t', target });
      expect((await engine.page(during.resultId, { offset: 0, limit: 1 })).rows).toEqual([['1000']]);
      // A query still running while the run commits does not block the commit.
      const slow = engine.run({ sql: `select count(*) from t, range(20000000)`, target });
      await started();
      await run.run('COMMIT');
      await slow;
      const after = await engine.run({ sql: 'select count(*) from t', target });
      expect((await engine.page(after.resultId, { offset: 0, limit: 1 })).rows).toEqual([['1500']]);
      await run.run('DETACH lake');
    } finally {
      run.close();
    }
  });
});
