import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QueryEngineClient } from '../../../src/core/engine/client';
import { resolveEntries } from '../../../src/core/config/lakehouseConfig';
import { lakehouseTargetResolver } from '../../../src/core/query/targets';
import type { QueryTarget } from '../../../src/core/query/types';
import { Developer } from '../support/developer';
import { freshLakehouse, runCli } from '../support/lakehouse';
import { countingProxy } from './countingProxy';
import { engineFor } from './helpers';

let lake: Awaited<ReturnType<typeof freshLakehouse>>;
let ana: Developer;
const engines: QueryEngineClient[] = [];
const target: QueryTarget = { kind: 'published', lakehouse: 'test' };

function engine(stalenessMs?: number): QueryEngineClient {
  const e = engineFor(
    lakehouseTargetResolver({ entries: [lake.entry], workspaceDir: mkdtempSync(join(tmpdir(), 'lakehouse-ws-')) }),
    stalenessMs === undefined ? {} : { stalenessMs },
  );
  engines.push(e);
  return e;
}

async function rows(e: QueryEngineClient, resultId: string) {
  return (await e.page(resultId, { offset: 0, limit: 1000 })).rows;
}

beforeAll(async () => {
  lake = await freshLakehouse();
  await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
  ana = await Developer.create(lake, 'ana');
  await ana.pull();
  await ana.run(
    "CREATE TABLE lake.main.meter_readings AS SELECT i AS id, 'site-' || (i % 4) AS site, round(i * 0.25, 2)::DECIMAL(10,2) AS kwh FROM range(3000) t(i)",
    'CREATE SCHEMA lake.sales',
    "CREATE TABLE lake.sales.orders AS SELECT i AS order_id, TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_minutes(i) AS placed FROM range(50) t(i)",
  );
  await ana.publish();
});
afterAll(async () => {
  await Promise.all(engines.map((e) => e.close()));
  ana.close();
});

describe('published target: the Delta tables as Fabric reads them, with a staleness budget', () => {
  it('answers from the Delta log and files; a second query within the budget makes no log or listing request', async () => {
    const e = engine();
    const first = await e.run({
      sql: 'select count(*) as n, sum(kwh) as total, min(site) as s from main.meter_readings',
      target,
    });
    expect(await rows(e, first.resultId)).toEqual([['3000', '1124625.00', 'site-0']]);
    expect(first.cached).toBe(false);
    expect(first.requests.list).toBeGreaterThan(0);
    expect(first.requests.log).toBeGreaterThan(0);
    expect(first.requests.data).toBeGreaterThan(0);
    expect(first.requests.total).toBe(first.requests.log + first.requests.list + first.requests.data);

    const second = await e.run({ sql: 'select * from sales.orders order by order_id desc limit 2', target });
    expect(second.cached).toBe(true);
    expect(second.requests.log).toBe(0);
    expect(second.requests.list).toBe(0);
    expect(second.requests.data).toBeGreaterThan(0);
    expect(await rows(e, second.resultId)).toEqual([
      ['49', '2026-01-01T00:49:00+00'],
      ['48', '2026-01-01T00:48:00+00'],
    ]);
    expect(second.columns.map((c) => c.type)).toEqual(['BIGINT', 'TIMESTAMP WITH TIME ZONE']);
  });

  it('after the budget it asks storage again, and reads the log when a publish moved it', async () => {
    const e = engine(0);
    const before = await e.run({ sql: 'select count(*) from main.meter_readings', target });
    expect(await rows(e, before.resultId)).toEqual([['3000']]);

    const unchanged = await e.run({ sql: 'select count(*) from main.meter_readings', target });
    expect(unchanged.cached).toBe(false);
    expect(unchanged.requests.list).toBeGreaterThan(0);
    expect(unchanged.requests.log).toBe(0); // same versions: nothing new to read

    await ana.run("INSERT INTO lake.main.meter_readings SELECT i, 'site-9', 1.5 FROM range(3000, 3500) t(i)");
    await ana.publish({ maintenance: false });
    const after = await e.run({
      sql: "select count(*), count(*) filter (where site = 'site-9') from main.meter_readings",
      target,
    });
    expect(after.requests.log).toBeGreaterThan(0);
    expect(after.requests.list).toBeGreaterThan(0);
    expect(await rows(e, after.resultId)).toEqual([['3500', '500']]);
  });

  it('counts truthfully: the counts equal what a proxy in front of storage saw', async () => {
    const proxy = await countingProxy(new URL(lake.store.location.accountUrl));
    try {
      const [entry] = resolveEntries(
        [
          {
            name: 'test',
            location: `azurite://127.0.0.1:${proxy.port}/${lake.store.location.container}/${lake.store.location.item}`,
          },
        ],
        'test',
      );
      const e = engineFor(
        lakehouseTargetResolver({ entries: [entry!], workspaceDir: mkdtempSync(join(tmpdir(), 'lakehouse-ws-')) }),
      );
      engines.push(e);
      proxy.reset();
      const first = await e.run({ sql: "select count(*) from main.meter_readings where site <> 'x'", target });
      expect(first.requests, 'first').toEqual(proxy.counts());
      expect(first.requests.log).toBeGreaterThan(0);
      expect(first.requests.list).toBeGreaterThan(0);
      for (const label of ['second, within the budget', 'third']) {
        proxy.reset();
        const info = await e.run({ sql: 'select max(id) from main.meter_readings', target });
        expect(info.requests, label).toEqual(proxy.counts());
        expect(proxy.counts().log + proxy.counts().list).toBe(0);
        expect(proxy.counts().data).toBeGreaterThan(0);
      }
    } finally {
      await proxy.close();
    }
  });

  it('lakehouse query --published (a real CLI process) prints the rows and the request counts, never the key', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'lakehouse-ws-'));
    writeFileSync(join(ws, 'lakehouse.yml'), `lakehouses:\n  - name: test\n    location: ${lake.location}\n`);
    const json = await runCli(
      [
        'query',
        'select site, count(*) as n from main.meter_readings group by site order by site',
        '--published',
        '--format',
        'json',
      ],
      {},
      ws,
    );
    expect(json.code, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout) as {
      rows: string[][];
      requests: { log: number; list: number };
      cached: boolean;
    };
    // site-9 exists once the budget test has published more rows.
    expect(doc.rows.map((r) => r[0]).slice(0, 4)).toEqual(['site-0', 'site-1', 'site-2', 'site-3']);
    expect(doc.requests.log).toBeGreaterThan(0);
    expect(doc.cached).toBe(false);
    const table = await runCli(['query', 'select count(*) from sales.orders', '--published'], {}, ws);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/│?\s*50$/m);
    expect(table.stderr).toMatch(/published test, DuckDB .*; storage requests: \d+ log, \d+ list, \d+ data/);
    for (const out of [json.stdout, json.stderr, table.stdout, table.stderr])
      expect(out).not.toMatch(/Eby8vdM02x|AccountKey/);
  });

  it('never shows the storage key in an error', async () => {
    const e = engine();
    const error = (await e.run({ sql: 'select * from main.no_such_table', target }).catch((x) => x)) as Error;
    expect(error.message).toMatch(/no_such_table/);
    expect(error.message).not.toMatch(/AccountKey|Eby8vdM02x/);
  });
});
