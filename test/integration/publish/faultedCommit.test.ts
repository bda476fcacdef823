import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { DuckDBSession, quoteLiteral } from '../../../src/core/lake/duckdb';
import { attachWorkingCatalog } from '../../../src/core/lake/lakeSession';
import { LocalMirror } from '../../../src/core/lake/localMirror';
import type { PublishJournal } from '../../../src/core/publish/journal';
import { md5OfBytes } from '../../../src/core/storage/contentHash';
import { contentHash, readWithDeltaRs, readWithDuckDBDelta } from '../delta/helpers';
import { Developer, downloadFolder } from '../support/developer';
import { FaultProxy, op } from '../support/faultProxy';
import { duckdb, freshLakehouse, runCli } from '../support/lakehouse';
import { pulledLakehouse } from '../support/publishTruth';

const TABLES = ['readings', 'sites'];
type Lake = Awaited<ReturnType<typeof freshLakehouse>>;

const proxies: FaultProxy[] = [];
afterEach(async () => {
  for (const p of proxies.splice(0)) await p.close();
});

/**
 * A lakehouse someone already published two tables to, and a CLI working
 * folder whose location goes through a fault proxy, pulled and changed locally.
 */
async function changedLakehouse() {
  const proxy = await FaultProxy.start(inject('azuriteUrl'));
  proxies.push(proxy);
  const { lake, cwd, mirror } = await pulledLakehouse(proxy.host);
  const session = await DuckDBSession.open(duckdb);
  try {
    await attachWorkingCatalog(session, mirror, (await mirror.readState())!);
    await session.run('INSERT INTO lake.main.readings SELECT i, i % 30, 2.0 FROM range(3000, 4000) t(i)');
    await session.run('DELETE FROM lake.main.readings WHERE id < 100');
    await session.run("INSERT INTO lake.main.sites VALUES (30, 'site 30')");
    await session.run('DETACH lake');
  } finally {
    session.close();
  }
  const oldMd5 = await remoteMd5(lake);
  return { lake, proxy, cwd, mirror, oldMd5 };
}

async function remoteMd5(lake: Lake): Promise<string | undefined> {
  const md5 = (await lake.store.blob('Files/metadata.db').getProperties()).contentMD5;
  return md5 ? Buffer.from(md5).toString('base64') : undefined;
}

async function localContent(mirror: LocalMirror): Promise<Record<string, { rows: number; hash: string }>> {
  const session = await DuckDBSession.open(duckdb);
  try {
    await attachWorkingCatalog(session, mirror, (await mirror.readState())!, { readOnly: true });
    const out: Record<string, { rows: number; hash: string }> = {};
    for (const t of TABLES) out[t] = await contentHash(session, `SELECT * FROM lake.main.${t}`);
    return out;
  } finally {
    session.close();
  }
}

/** The remote catalog opens with DuckDB + ducklake (read-only) and lists both tables. */
async function remoteCatalogOpens(lake: Lake): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lakehouse-remote-'));
  const file = join(dir, 'metadata.db');
  await lake.store.blob('Files/metadata.db').downloadToFile(file);
  const session = await DuckDBSession.open(duckdb);
  try {
    await session.loadExtensions(['ducklake', 'sqlite_scanner']);
    await session.run(
      `ATTACH ${quoteLiteral(`ducklake:sqlite:${file}`)} AS r (READ_ONLY, DATA_PATH ${quoteLiteral(join(dir, 'data') + '/')}, OVERRIDE_DATA_PATH true)`,
    );
    const rows = await session.all<{ name: string }>(
      "SELECT table_name AS name FROM duckdb_tables() WHERE database_name = 'r' ORDER BY 1",
    );
    return rows.map((r) => r.name);
  } finally {
    session.close();
  }
}

/** The truth after a finished publish: the remote is the local catalog, Delta equals DuckLake, nothing left over. */
async function expectPublished(lake: Lake, mirror: LocalMirror, label: string, deltaRs = true) {
  const local = md5OfBytes(readFileSync(mirror.catalogFile));
  expect(await remoteMd5(lake), label).toBe(local);
  expect(await remoteCatalogOpens(lake)).toEqual(TABLES);
  expect(existsSync(mirror.journalFile), `${label}: journal cleared`).toBe(false);
  expect((await lake.guard.inspect()).status, `${label}: lease free`).toBe('free');
  const props = await lake.store.blob('Files/metadata.db').getProperties();
  expect((await mirror.readState())!.etag, `${label}: pull.json follows the commit`).toBe(props.etag);
  const expected = await localContent(mirror);
  expect(expected.readings!.rows).toBe(3900);
  for (const t of TABLES) {
    const folder = await downloadFolder(lake.store, `Tables/main/${t}`);
    expect(await readWithDuckDBDelta(folder), `${label}: ${t} via delta_scan`).toEqual(expected[t]);
    if (deltaRs) {
      const rs = await readWithDeltaRs(folder);
      expect({ rows: rs.rows, hash: rs.hash }, `${label}: ${t} via delta-rs`).toEqual(expected[t]);
    }
  }
}

describe('publish under network faults (a loopback fault proxy between the SDK and Azurite)', () => {
  it('catalog Put applied, its response lost once: the retry’s 412 is settled by evidence — published, Delta exported', async () => {
    const { lake, proxy, cwd, mirror, oldMd5 } = await changedLakehouse();
    const pulledMd5 = (await mirror.readState())!.md5;
    const drop = proxy.add({ match: op.catalogPut(), fault: { kind: 'drop-response' } });
    const result = await runCli(['publish', 'lh', '--json'], {}, cwd);
    expect(drop.hits).toBe(1);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.json).toMatchObject({ ok: true, status: 'published', tables: ['main.readings', 'main.sites'] });
    expect(await remoteMd5(lake)).not.toBe(oldMd5);
    // The commit carries its parent, the evidence a later ambiguous answer is judged by.
    const meta = (await lake.store.blob('Files/metadata.db').getProperties()).metadata ?? {};
    expect(meta.parent_md5).toBe(pulledMd5);
    await expectPublished(lake, mirror, 'dropped once');
    // A rerun converges: nothing left to do.
    const again = await runCli(['publish', 'lh', '--json'], {}, cwd);
    expect(again.json.status).toBe('nothing-to-publish');
  });

  it('every answer to the catalog Put lost (retries exhausted): the remote proves the commit — published', async () => {
    const { lake, proxy, cwd, mirror } = await changedLakehouse();
    const drop = proxy.add({ match: op.catalogPut(), fault: { kind: 'drop-response' }, times: Infinity });
    const result = await runCli(['publish', 'lh', '--json'], {}, cwd);
    expect(drop.hits).toBeGreaterThan(1);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.json.status).toBe('published');
    await expectPublished(lake, mirror, 'all dropped', false);
  });

  it('catalog Put never reaches the store: failure reported, remote old, journal cleared, lease free; a rerun publishes', async () => {
    const { lake, proxy, cwd, mirror, oldMd5 } = await changedLakehouse();
    proxy.add({ match: op.catalogPut(), fault: { kind: 'reset' }, times: Infinity });
    const failed = await runCli(['publish', 'lh', '--json'], {}, cwd);
    expect(failed.code).toBe(1);
    expect(failed.json.ok).toBe(false);
    expect(failed.json.error?.code).toBe('storage');
    expect(await remoteMd5(lake)).toBe(oldMd5);
    expect(await remoteCatalogOpens(lake)).toEqual(TABLES);
    expect(existsSync(mirror.journalFile)).toBe(false);
    expect((await lake.guard.inspect()).status).toBe('free');
    proxy.clear();
    const rerun = await runCli(['publish', 'lh', '--json'], {}, cwd);
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    expect(rerun.json.status).toBe('published');
    await expectPublished(lake, mirror, 'after a clean rerun', false);
  });

  it('commit landed but the remote cannot be read to prove it: "outcome unknown", journal kept; the rerun proves it and finishes', async () => {
    const { lake, proxy, cwd, mirror } = await changedLakehouse();
    const put = proxy.add({ match: op.catalogPut(), fault: { kind: 'drop-response' }, times: Infinity });
    proxy.add({ match: op.catalogHead(), fault: { kind: 'reset' }, times: Infinity, after: put });
    const unknown = await runCli(['publish', 'lh', '--json'], {}, cwd);
    expect(unknown.code, unknown.stdout + unknown.stderr).toBe(10);
    expect(unknown.json.error?.code).toBe('commit-unknown');
    expect(unknown.json.error?.message).toMatch(/could not be read to check whether it landed/);
    const journal = JSON.parse(readFileSync(mirror.journalFile, 'utf8')) as PublishJournal;
    expect(journal.steps).toContain('committing');
    expect(journal.steps).not.toContain('committed');
    // The truth: the commit landed (old-or-new, never a mix).
    expect(await remoteMd5(lake)).toBe(journal.catalogMd5);
    expect(await remoteCatalogOpens(lake)).toEqual(TABLES);

    proxy.clear();
    const rerun = await runCli(['publish', 'lh', '--json'], {}, cwd);
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
    expect(rerun.json.status).toBe('finished-earlier-publish');
    await expectPublished(lake, mirror, 'proven by the rerun');
  });

  it('the release response lost after a complete publish: reported as published, lease free', async () => {
    const { lake, proxy, cwd, mirror } = await changedLakehouse();
    const release = proxy.add({ match: op.lease('release'), fault: { kind: 'drop-response' } });
    const result = await runCli(['publish', 'lh', '--json'], {}, cwd);
    expect(release.hits).toBe(1);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.json.status).toBe('published');
    await expectPublished(lake, mirror, 'release dropped', false);
  });
});

describe('publish under faults on the other steps', () => {
  it('a data file Put and a Delta commit Put applied with their answers lost, a 503 with Retry-After on the catalog Put: published and reported truly', async () => {
    const { lake, proxy, cwd, mirror } = await changedLakehouse();
    const dataPut = proxy.add({
      match: (r) => r.method === 'PUT' && /\/Tables\/.*\.parquet$/.test(r.path) && !r.query.has('comp'),
      fault: { kind: 'drop-response' },
    });
    const busy = proxy.add({ match: op.catalogPut(), fault: { kind: 'status', status: 503, retryAfterSeconds: 0 } });
    const deltaPut = proxy.add({
      match: (r) => r.method === 'PUT' && /\/readings\/_delta_log\/\d{20}\.json$/.test(r.path),
      fault: { kind: 'drop-response' },
    });
    const result = await runCli(['publish', 'lh', '--json'], {}, cwd);
    expect([dataPut.hits, busy.hits, deltaPut.hits]).toEqual([1, 1, 1]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.json.status).toBe('published');
    // The Delta commit whose answer was lost is ours (same bytes): reported as written, not 'unchanged'.
    const tables = (result.json.delta as { tables: Array<{ name: string; status: string; version: number }> }).tables;
    expect(tables.find((t) => t.name === 'readings')).toMatchObject({ status: 'updated', version: 1 });
    await expectPublished(lake, mirror, 'faults on data, catalog and Delta puts', false);
  });
});

describe('publish after someone else overtook a committed publish', () => {
  it('is a failure with its own exit code and says what to do', async () => {
    const { lake, cwd } = await changedLakehouse();
    const crashed = await runCli(
      ['publish', 'lh', '--holder', 'crashy@ci'],
      { LAKEHOUSE_FAULT_AFTER_STEP: 'committed' },
      cwd,
    );
    expect(crashed.signal).toBe('SIGKILL');
    // Another developer breaks the crashed run's lease, pulls its commit, and publishes on top.
    const other = await Developer.create(lake, 'bea');
    try {
      await other.guard.forceBreak();
      await other.pull();
      await other.run("INSERT INTO lake.main.sites VALUES (31, 'site 31')");
      expect((await other.publish()).status).toBe('published');
    } finally {
      other.close();
    }
    const rerun = await runCli(['publish', 'lh', '--json', '--holder', 'crashy@ci'], {}, cwd);
    expect(rerun.code).toBe(9);
    expect(rerun.json.ok).toBe(false);
    expect(rerun.json.error?.code).toBe('publish-superseded');
    expect(rerun.json.error?.message).toMatch(/bea@laptop published over it/);
    expect(String((rerun.json.error as { hint?: string }).hint)).toMatch(/Pull, check that your tables are there/);
    expect(existsSync(join(cwd, '.lakehouse/lh/publish-journal.json'))).toBe(false);
  });
});

describe('a catalog deleted between pull and publish', () => {
  it('is an error that creates nothing: the remote still has no catalog', async () => {
    const { lake, cwd, mirror } = await changedLakehouse();
    await lake.store.blob('Files/metadata.db').delete();
    const result = await runCli(['publish', 'lh', '--json'], {}, cwd);
    expect(result.code).toBe(11);
    expect(result.json.error?.code).toBe('catalog-deleted');
    expect(result.json.error?.message).toMatch(
      /was deleted after your pull; nothing was uploaded and no catalog was created/,
    );
    expect(await lake.store.blob('Files/metadata.db').exists()).toBe(false);
    expect(existsSync(mirror.journalFile)).toBe(false);
    // The same for export-delta and a one-shot run: neither creates a catalog.
    const exported = await runCli(['export-delta', 'lh', '--json'], {}, cwd);
    expect(exported.json.error?.code).toBe('catalog-missing');
    expect(await lake.store.blob('Files/metadata.db').exists()).toBe(false);
    const run = await runCli(['run', 'lh', '--publish', '--json'], {}, cwd);
    expect(run.code, run.stdout + run.stderr).toBe(11);
    expect(run.json.error?.code).toBe('catalog-deleted');
    expect(await lake.store.blob('Files/metadata.db').exists()).toBe(false);
  });

  it('is the same error without local changes (not "nothing to publish"), and creates nothing', async () => {
    const { lake, cwd, mirror } = await changedLakehouse();
    // Pull again over the changes (reset): the copy equals the remote, nothing local to publish.
    const reset = await runCli(['pull', 'lh', '--discard-local', '--json'], {}, cwd);
    expect(reset.code, reset.stdout + reset.stderr).toBe(0);
    const untouched = await runCli(['publish', 'lh', '--json'], {}, cwd);
    expect(untouched.json.status, untouched.stdout).toBe('nothing-to-publish');
    await lake.store.blob('Files/metadata.db').delete();
    const result = await runCli(['publish', 'lh', '--json'], {}, cwd);
    expect(result.code, result.stdout + result.stderr).toBe(11);
    expect(result.json.error?.code).toBe('catalog-deleted');
    expect(result.json.error?.message).toMatch(
      /was deleted after your pull; nothing was uploaded and no catalog was created/,
    );
    expect(await lake.store.blob('Files/metadata.db').exists()).toBe(false);
    expect(existsSync(mirror.journalFile)).toBe(false);
    // A rerun says the same, and still creates nothing.
    const again = await runCli(['publish', 'lh', '--json'], {}, cwd);
    expect(again.json.error?.code).toBe('catalog-deleted');
    expect(await lake.store.blob('Files/metadata.db').exists()).toBe(false);
  });
});

describe('reads whose body is cut off mid-way (item 14)', () => {
  const deltaLogGet = (r: { method: string; path: string; query: URLSearchParams }) =>
    r.method === 'GET' && r.path.includes('/_delta_log/') && !r.query.has('comp');

  it('pull: the catalog and data file downloads are read again; the copy equals the remote, no partial files', async () => {
    const { lake, proxy } = await changedLakehouse();
    const cwd = mkdtempSync(join(tmpdir(), 'lakehouse-cutoff-pull-'));
    const location = lake.location.replace(new URL(inject('azuriteUrl')).host, proxy.host);
    writeFileSync(join(cwd, 'lakehouse.yml'), `lakehouses:\n  - name: lh\n    location: ${location}\n`);
    const catalogCut = proxy.add({ match: op.catalogGet(), fault: { kind: 'reset-mid-body' }, times: 2 });
    const dataCut = proxy.add({
      match: (r) => r.method === 'GET' && /\/Tables\/.*\.parquet$/.test(r.path),
      fault: { kind: 'reset-mid-body' },
      times: 3,
    });
    const result = await runCli(['pull', 'lh', '--json'], {}, cwd);
    expect([catalogCut.hits, dataCut.hits]).toEqual([2, 3]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.json).toMatchObject({ ok: true, catalog: 'downloaded' });
    const mirror = LocalMirror.forLakehouse(cwd, 'lh');
    expect(md5OfBytes(readFileSync(mirror.catalogFile))).toBe(await remoteMd5(lake));
    expect((await mirror.readState())!.md5).toBe(await remoteMd5(lake));
    // Every data file is whole: the local tables read back equal to the remote ones through Delta.
    const local = await localContent(mirror);
    for (const t of TABLES) {
      const folder = await downloadFolder(lake.store, `Tables/main/${t}`);
      expect(await readWithDuckDBDelta(folder), `${t}: local copy equals the published table`).toEqual(local[t]);
    }
    const leftovers = execFileSync('find', [join(cwd, '.lakehouse'), '-name', '*.download']).toString();
    expect(leftovers).toBe('');
  });

  it('publish: Delta log reads and the export state read are read again; published, reported truly, a rerun has nothing to do', async () => {
    const { lake, proxy, cwd, mirror } = await changedLakehouse();
    const logCut = proxy.add({ match: deltaLogGet, fault: { kind: 'reset-mid-body' }, times: 3 });
    const stateCut = proxy.add({
      match: (r) => r.method === 'GET' && r.path.endsWith('.delta-export.json'),
      fault: { kind: 'reset-mid-body' },
    });
    const result = await runCli(['publish', 'lh', '--json'], {}, cwd);
    expect([logCut.hits, stateCut.hits]).toEqual([3, 1]);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.json).toMatchObject({ ok: true, status: 'published', tables: ['main.readings', 'main.sites'] });
    await expectPublished(lake, mirror, 'cut-off reads', false);
    const again = await runCli(['publish', 'lh', '--json'], {}, cwd);
    expect(again.json.status).toBe('nothing-to-publish');
  });

  it('export-delta of the remote catalog under a cut-off catalog download and log reads: every table exported', async () => {
    const { lake, proxy, cwd } = await changedLakehouse();
    const catalogCut = proxy.add({ match: op.catalogGet(), fault: { kind: 'reset-mid-body' } });
    const result = await runCli(['export-delta', 'lh', '--json'], {}, cwd);
    expect(catalogCut.hits).toBe(1);
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(result.json.ok).toBe(true);
    expect((await lake.guard.inspect()).status).toBe('free');
  });
});
