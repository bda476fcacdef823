import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tableReport, TestLake } from '../delta/helpers';
import { readWithDuckDBIceberg } from './helpers';

describe('an export that read an older catalog snapshot (another writer exported meanwhile)', () => {
  let lake: TestLake;
  beforeEach(async () => {
    lake = await TestLake.create();
  });
  afterEach(async () => {
    await lake.close();
  });

  it('leaves Iceberg (and Delta) metadata written from a newer snapshot as it is', async () => {
    await lake.sql('CREATE TABLE lake.main.t AS SELECT range AS id FROM range(10)');
    // The catalog as a slower writer read it, before the next commit.
    const older = join(lake.dir, 'older.db');
    await copyFile(lake.catalogPath, older);
    await lake.sql('INSERT INTO lake.main.t SELECT range + 10 FROM range(5)');

    const newer = tableReport(await lake.export({ iceberg: true }), 'main.t');
    expect(newer.iceberg).toMatchObject({ status: 'created', version: 1 });
    const folder = join(lake.tablesRoot, 'main/t');
    expect(await readWithDuckDBIceberg(folder)).toEqual(await lake.lakeHash('main.t'));

    const late = tableReport(
      await lake.export({ iceberg: true, catalogPath: older, dataPath: `${lake.tablesRoot}/` }),
      'main.t',
    );
    expect(late.iceberg).toMatchObject({ status: 'unchanged', version: 1 });
    expect(late).toMatchObject({ status: 'unchanged', version: newer.version });
    // Still the newer snapshot's 15 rows, not walked back to the older 10.
    const read = await readWithDuckDBIceberg(folder);
    expect(read.rows).toBe(15);
    expect(read).toEqual(await lake.lakeHash('main.t'));
  });
});
