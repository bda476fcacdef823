import { afterEach, describe, expect, it } from 'vitest';
import { DuckDBSession } from '../../../src/core/lake/duckdb';
import { LazyDuckDBSession } from '../../../src/core/lake/lazySession';
import { gatePublish } from '../../../src/core/readiness';
import { Developer } from '../support/developer';
import { duckdb, freshLakehouse } from '../support/lakehouse';

const developers: Developer[] = [];
const lazies: LazyDuckDBSession[] = [];
afterEach(async () => {
  developers.splice(0).forEach((d) => d.close());
  for (const lazy of lazies.splice(0)) await lazy.close();
});

/** A session that opens real DuckDB on first use and counts the opens. */
function countedSession(): LazyDuckDBSession {
  const lazy = new LazyDuckDBSession(() => DuckDBSession.open({ ...duckdb, threads: 1 }));
  lazies.push(lazy);
  return lazy;
}

describe('publish opens DuckDB only when it has DuckDB work', () => {
  it('no maintenance work and no checkpoint due: the readiness gate, maintenance look, plan, commit and Delta export never open it', async () => {
    const lake = await freshLakehouse();
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const dev = await Developer.create(lake, 'ana');
    developers.push(dev);
    await dev.pull();
    await dev.run('CREATE TABLE lake.main.t (id BIGINT, site VARCHAR)', "INSERT INTO lake.main.t VALUES (1, 'a')");

    // The first publish has maintenance work (the lakehouse's layout is not in the catalog yet): DuckDB opens, once.
    const first = countedSession();
    await gatePublish({ mode: 'warn', session: first, mirror: dev.mirror, sku: 'F2' });
    expect((await dev.publish({ session: first })).status).toBe('published');
    expect(first.opens).toBe(1);

    // Files above the table's target size leave maintenance nothing to do; version 1 is no checkpoint. The
    // strings' chunks are smaller than Direct Lake's longest string, so the footers clear them without a data read.
    await dev.run(
      `CALL lake.set_option('target_file_size', '1KB', table_name => 't')`,
      `INSERT INTO lake.main.t SELECT range, 'site-' || range FROM range(2, 500)`,
      `INSERT INTO lake.main.t SELECT range, 'site-' || range FROM range(500, 1000)`,
    );
    const second = countedSession();
    const gate = await gatePublish({ mode: 'warn', session: second, mirror: dev.mirror, sku: 'F2' });
    expect(gate.checkFailed).toBeUndefined();
    const summary = await dev.publish({ session: second });
    expect(summary.status).toBe('published');
    expect(summary.files).toBeGreaterThan(0);
    const table = summary.delta?.tables.find((t) => t.name === 't');
    expect(table?.status).toBe('updated');
    expect(table?.checkpoint).toBeUndefined();
    expect(second.opens).toBe(0);
  });
});
