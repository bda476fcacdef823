import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDBSession } from '../../../src/core/lake/duckdb';
import { attachWorkingCatalog } from '../../../src/core/lake/lakeSession';
import { LocalMirror } from '../../../src/core/lake/localMirror';
import type { PublishJournal } from '../../../src/core/publish/journal';
import { md5OfBytes } from '../../../src/core/storage/contentHash';
import { contentHash, readWithDeltaRs, readWithDuckDBDelta } from '../delta/helpers';
import { Developer, downloadFolder } from '../support/developer';
import { duckdb, freshLakehouse, runCli, FLAVORS } from '../support/lakehouse';

const STEPS = ['leased', 'maintained', 'data-uploaded', 'committing', 'committed', 'exported'] as const;
const TABLES = ['readings', 'sites'];

async function remoteMd5(lake: Awaited<ReturnType<typeof freshLakehouse>>): Promise<string> {
  return Buffer.from((await lake.store.blob('Files/metadata.db').getProperties()).contentMD5!).toString('base64');
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

describe.each(FLAVORS)('publish crash matrix (the publishing process SIGKILLed after each step) (%s)', (flavor) => {
  for (const step of STEPS) {
    it(`killed after '${step}': remote is old or new, Delta reads, a rerun finishes the job`, async () => {
      const lake = await freshLakehouse({ flavor });
      await lake.guard.release(await lake.guard.acquire({ operation: 'setup' }));
      // Someone published v0 of both tables before.
      const earlier = await Developer.create(lake, 'earlier');
      await earlier.pull();
      await earlier.run(
        'CREATE TABLE lake.main.readings AS SELECT i AS id, i % 30 AS site_id, i * 0.5 AS kwh FROM range(3000) t(i)',
        "CREATE TABLE lake.main.sites AS SELECT i AS site_id, 'site ' || i AS name FROM range(30) t(i)",
      );
      await earlier.publish();
      const oldContent = await localContent(earlier.mirror);
      earlier.close();

      // This developer pulls with the CLI, changes both tables, and publishes with the CLI.
      const cwd = mkdtempSync(join(tmpdir(), 'lakehouse-crash-'));
      writeFileSync(join(cwd, 'lakehouse.yml'), `lakehouses:\n  - name: lh\n    location: ${lake.location}\n`);
      expect((await runCli(['pull', 'lh'], {}, cwd)).code).toBe(0);
      const mirror = LocalMirror.forLakehouse(cwd, 'lh');
      const session = await DuckDBSession.open(duckdb);
      await attachWorkingCatalog(session, mirror, (await mirror.readState())!);
      await session.run('INSERT INTO lake.main.readings SELECT i, i % 30, 2.0 FROM range(3000, 4000) t(i)');
      await session.run('DELETE FROM lake.main.readings WHERE id < 100');
      await session.run("INSERT INTO lake.main.sites VALUES (30, 'site 30')");
      await session.run('DETACH lake');
      session.close();
      const oldMd5 = await remoteMd5(lake);

      const crashed = await runCli(
        ['publish', 'lh', '--holder', 'crashy@ci'],
        { LAKEHOUSE_FAULT_AFTER_STEP: step },
        cwd,
      );
      expect(crashed.signal, crashed.stderr).toBe('SIGKILL');

      // Old or new, never a mix; every Delta table still reads.
      const journal = JSON.parse(readFileSync(mirror.journalFile, 'utf8')) as PublishJournal;
      const afterCrash = await remoteMd5(lake);
      expect([oldMd5, journal.catalogMd5]).toContain(afterCrash);
      for (const t of TABLES) {
        const folder = await downloadFolder(lake.store, `Tables/main/${t}`);
        const read = await readWithDuckDBDelta(folder);
        expect(read.rows).toBeGreaterThan(0);
      }

      // The rerun finishes: same end state as an uninterrupted publish.
      const rerun = await runCli(['publish', 'lh', '--json', '--holder', 'crashy@ci'], {}, cwd);
      expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
      expect(['published', 'finished-earlier-publish']).toContain(rerun.json.status);
      expect(existsSync(mirror.journalFile)).toBe(false);
      expect(await remoteMd5(lake)).toBe(md5OfBytes(readFileSync(mirror.catalogFile)));
      expect((await lake.guard.inspect()).status).toBe('free');
      const expected = await localContent(mirror);
      expect(expected.readings!.rows).toBe(3900);
      expect(expected).not.toEqual(oldContent);
      for (const t of TABLES) {
        const folder = await downloadFolder(lake.store, `Tables/main/${t}`);
        expect(await readWithDuckDBDelta(folder), `${step}: ${t} via delta_scan`).toEqual(expected[t]);
        const rs = await readWithDeltaRs(folder);
        expect({ rows: rs.rows, hash: rs.hash }, `${step}: ${t} via delta-rs`).toEqual(expected[t]);
      }
    });
  }
});
