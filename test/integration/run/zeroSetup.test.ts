import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveEntries } from '../../../src/core/config/lakehouseConfig';
import { DuckDBSession } from '../../../src/core/lake/duckdb';
import { LocalMirror } from '../../../src/core/lake/localMirror';
import { pull } from '../../../src/core/lake/pull';
import { openCatalogLease } from '../../../src/core/lease/catalogLease';
import { countBlobs } from '../support/developer';
import { duckdb, freshLakehouse, runCli } from '../support/lakehouse';

const DBT = join(homedir(), '.cache/lakehouse-dev/py-peers/bin/dbt');

/** A dbt-duckdb project as a new user has it: a plain .duckdb path, no attach, no lakehouse.yml. */
function freshProject(profileOutput = '      path: shop.duckdb\n'): string {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-zero-'));
  writeFileSync(
    join(dir, 'dbt_project.yml'),
    "name: shop\nversion: '1.0'\nconfig-version: 2\nprofile: shop\nmodel-paths: [models]\n",
  );
  writeFileSync(
    join(dir, 'profiles.yml'),
    `shop:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n${profileOutput}      threads: 1\n`,
  );
  mkdirSync(join(dir, 'models'));
  writeFileSync(
    join(dir, 'models', 'customers.sql'),
    "{{ config(materialized='table') }}\nselect * from (values (1, 'ann'), (2, 'bob'), (3, 'cy')) t(id, name)\n",
  );
  writeFileSync(
    join(dir, 'models', 'big_customers.sql'),
    "{{ config(materialized='table') }}\nselect id, upper(name) as name from {{ ref('customers') }} where id > 1\n",
  );
  return dir;
}

async function rowsOf(sql: string, setup: string[] = []) {
  const session = await DuckDBSession.open(duckdb);
  try {
    for (const statement of setup) await session.run(statement);
    return (await session.all(sql)).map((r) => ({ id: Number(r.id), name: r.name }));
  } finally {
    session.close();
  }
}

/** big_customers as a fresh pull of the lakehouse shows it (catalog and data both from storage). */
async function publishedRows(location: string) {
  const other = mkdtempSync(join(tmpdir(), 'lakehouse-zero-pull-'));
  const [entry] = resolveEntries([{ name: 'shop', location }], 'test');
  const { store } = await openCatalogLease(entry!, { holder: 'reader@test', tool: 'lakehouse-dev/test', duckdb });
  const mirror = LocalMirror.forLakehouse(other, 'shop');
  const session = await DuckDBSession.open(duckdb);
  try {
    await pull({ entry: entry!, store, mirror, session });
  } finally {
    session.close();
  }
  return rowsOf('select * from pulled.main.big_customers order by id', [
    'LOAD ducklake',
    'LOAD sqlite_scanner',
    `ATTACH 'ducklake:sqlite:${mirror.catalogFile}' AS pulled (DATA_PATH '${mirror.dataRoot}', OVERRIDE_DATA_PATH true, READ_ONLY)`,
  ]);
}

describe('zero-setup start', () => {
  it('runs a fresh dbt-duckdb project with no lakehouse, writing where its profile says', async () => {
    const dir = freshProject();
    const result = await runCli(['run'], {}, dir);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    // Progress lines go to stderr, the summary to stdout.
    const said = result.stdout + result.stderr;
    expect(said).toContain('No lakehouse.yml here');
    expect(said).toMatch(/1\/2 START customers[\s\S]*2\/2 START big_customers/);
    expect(said).not.toMatch(/3\/2/);
    expect(
      await rowsOf('select * from shop.main.big_customers order by id', [
        `ATTACH '${join(dir, 'shop.duckdb')}' AS shop (READ_ONLY)`,
      ]),
    ).toEqual([
      { id: 2, name: 'BOB' },
      { id: 3, name: 'CY' },
    ]);
    // Nothing of a lakehouse was made.
    expect(existsSync(join(dir, '.lakehouse'))).toBe(false);
    expect(existsSync(join(dir, 'lakehouse.yml'))).toBe(false);
  });

  it('refuses --publish without a lakehouse', async () => {
    const dir = freshProject();
    const result = await runCli(['run', '--publish'], {}, dir);
    expect(result.code).toBe(2);
    expect(result.stderr + result.stdout).toMatch(/--publish needs a lakehouse/);
    expect(existsSync(join(dir, 'shop.duckdb'))).toBe(false);
  });

  it('init, then run --publish: the container and catalog are created, the models published into the lakehouse', async () => {
    const lake = await freshLakehouse({ createContainer: false });
    const dir = freshProject();
    const init = await runCli(['init', lake.location, '--name', 'shop'], {}, dir);
    expect(init.code, init.stdout + init.stderr).toBe(0);
    expect(init.stdout).toContain(`Wrote ${join(dir, 'lakehouse.yml')}`);
    expect(init.stdout).toContain(`Kept ${join(dir, 'profiles.yml')}`);
    expect(readFileSync(join(dir, 'lakehouse.yml'), 'utf8')).toContain(`location: ${lake.location}`);

    const again = await runCli(['init', lake.location], {}, dir);
    expect(again.code).toBe(2);
    expect(again.stderr + again.stdout).toMatch(/already exists; nothing was written[\s\S]*--force/);
    const forced = await runCli(['init', lake.location, '--name', 'shop', '--force'], {}, dir);
    expect(forced.code, forced.stdout + forced.stderr).toBe(0);

    const run = await runCli(['run', '--publish'], {}, dir);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const said = run.stdout + run.stderr;
    expect(said).toContain(`Created the emulator container '${lake.entry.location.container}'`);
    expect(said).toContain('created an empty DuckLake catalog there (first run)');
    expect(said).toContain("the lakehouse catalog is attached as 'lake'");
    expect(said).toMatch(/2\/2 START big_customers/);
    expect(run.stdout).toMatch(/Published metadata\.db: 2 table\(s\) changed/);
    // The profile's own file got nothing: the models went to the lakehouse catalog.
    expect(existsSync(join(dir, 'shop.duckdb'))).toBe(true);
    expect(
      await rowsOf("select count(*) as id, '' as name from duckdb_tables() where database_name = 'shop'", [
        `ATTACH '${join(dir, 'shop.duckdb')}' AS shop (READ_ONLY)`,
      ]),
    ).toEqual([{ id: 0, name: '' }]);
    expect(await countBlobs(lake.store, 'Tables/main/big_customers/')).toBeGreaterThan(0);

    // Someone else pulls the lakehouse into a folder of their own: the tables are there and right.
    expect(await publishedRows(lake.location)).toEqual([
      { id: 2, name: 'BOB' },
      { id: 3, name: 'CY' },
    ]);
  });

  it('refuses a profile that attaches a DuckLake catalog but builds models outside it, located, before anything is written', async () => {
    const lake = await freshLakehouse();
    const dir = freshProject(
      "      path: shop.duckdb\n      attach:\n        - path: 'ducklake:sqlite:lake/metadata.db'\n          alias: lake\n          data_path: lake/data/\n",
    );
    expect((await runCli(['init', lake.location, '--name', 'shop'], {}, dir)).code).toBe(0);
    const run = await runCli(['run', '--publish'], {}, dir);
    expect(run.code).not.toBe(0);
    const text = run.stdout + run.stderr;
    expect(text).toContain(`${join(dir, 'profiles.yml')}:4`);
    expect(text).toMatch(
      /attaches the DuckLake catalog as 'lake' but builds models in database 'shop', outside the lakehouse/,
    );
    expect(text).toContain('database: lake');
    // Nothing was built anywhere and nothing published.
    expect(existsSync(join(dir, 'shop.duckdb'))).toBe(false);
    expect(await countBlobs(lake.store, 'Tables/')).toBe(0);
    // Refused before the first-run catalog was even created.
    expect(await lake.store.blob(lake.entry.catalogPath).exists()).toBe(false);
  });

  it('--runner dbt: a profile without the catalog attach is refused before dbt starts; the profile init writes runs and publishes', async () => {
    const lake = await freshLakehouse();
    const plain = freshProject();
    expect((await runCli(['init', lake.location, '--name', 'shop'], {}, plain)).code).toBe(0);
    const refused = await runCli(['run', '--runner', 'dbt', '--dbt', DBT], {}, plain);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toMatch(
      /profiles\.yml:4: Target 'dev' does not attach the lakehouse catalog, so dbt would build the models in 'shop'/,
    );
    expect(existsSync(join(plain, 'shop.duckdb'))).toBe(false);

    // A project with no profile: init writes one that dbt itself runs against the pulled catalog.
    const bare = freshProject();
    rmSync(join(bare, 'profiles.yml'));
    // HOME elsewhere: a ~/.dbt/profiles.yml on this machine must not be the file init finds.
    const init = await runCli(
      ['init', lake.location, '--name', 'shop'],
      { DBT_PROFILES_DIR: bare, HOME: mkdtempSync(join(tmpdir(), 'lakehouse-zero-home-')) },
      bare,
    );
    expect(init.code, init.stdout + init.stderr).toBe(0);
    expect(init.stdout).toContain(`Wrote ${join(bare, 'profiles.yml')}: profile 'shop'`);
    const run = await runCli(['run', '--runner', 'dbt', '--dbt', DBT, '--publish'], { DBT_PROFILES_DIR: bare }, bare);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout, run.stdout).toMatch(/Published metadata\.db: 2 table\(s\) changed/);
    expect(await publishedRows(lake.location)).toEqual([
      { id: 2, name: 'BOB' },
      { id: 3, name: 'CY' },
    ]);
  });
});
