import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_LAKE_LAYOUT } from '../../../src/core/lake/layout';
import { DEFAULT_MAINTENANCE } from '../../../src/core/publish/maintenance';
import { maintenanceWork } from '../../../src/core/publish/maintenanceWork';
import { Developer } from '../support/developer';
import { freshLakehouse } from '../support/lakehouse';

const developers: Developer[] = [];
afterEach(() => developers.splice(0).forEach((d) => d.close()));

async function snapshots(dev: Developer): Promise<number> {
  const [row] = await dev.session.all<{ n: bigint }>(
    `SELECT count(*) AS n FROM sqlite_scan('${dev.mirror.catalogFile}', 'ducklake_snapshot')`,
  );
  return Number(row!.n);
}

describe("publish's maintenance runs only when the catalog shows work for it", () => {
  it('merge, deletes and layout are each seen; a publish with none of them leaves the catalog untouched', async () => {
    const lake = await freshLakehouse();
    await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
    const dev = await Developer.create(lake, 'ana');
    developers.push(dev);
    await dev.pull();
    const work = () => maintenanceWork(dev.session, dev.mirror.catalogFile, DEFAULT_MAINTENANCE, DEFAULT_LAKE_LAYOUT);

    // A fresh catalog lacks the lakehouse's row-group size.
    expect(await work()).toEqual(['layout: parquet_row_group_size']);
    await dev.run(
      'CREATE TABLE lake.main.t AS SELECT range AS id FROM range(100)',
      'INSERT INTO lake.main.t SELECT range FROM range(100, 200)',
    );
    expect(await work()).toEqual(['layout: parquet_row_group_size', 'small files to merge']);
    expect((await dev.publish()).status).toBe('published');
    expect(await work()).toEqual([]);

    // A small delete is kept inside the catalog (DuckLake 1.0), a bigger one as a delete file: both are work.
    await dev.run('DELETE FROM lake.main.t WHERE id = 7');
    expect((await work()).filter((r) => r.includes('delete'))).toHaveLength(1);
    expect((await dev.publish()).status).toBe('published');
    expect(await work()).toEqual([]);

    // A big file alone is nothing to merge: publish skips maintenance, so it adds no snapshot of its own.
    await dev.run(
      `CALL lake.set_option('target_file_size', '1KB', table_name => 't')`,
      'INSERT INTO lake.main.t SELECT range FROM range(1000, 3000)',
    );
    expect(await work()).toEqual([]);
    const before = await snapshots(dev);
    expect((await dev.publish()).status).toBe('published');
    expect(await snapshots(dev)).toBe(before);
  });
});
