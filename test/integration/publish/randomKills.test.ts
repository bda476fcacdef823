import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { LocalMirror } from '../../../src/core/lake/localMirror';
import type { PublishJournal } from '../../../src/core/publish/journal';
import { runCli } from '../support/lakehouse';
import {
  changeLocally,
  deltaContent,
  expectConverged,
  localContent,
  localMd5,
  pulledLakehouse,
  remoteCatalogContent,
  remoteMd5,
  runAndKill,
  seeded,
  TABLES,
} from '../support/publishTruth';

/**
 * `publish` and `export-delta` SIGKILLed at random times (not only at step
 * boundaries). The delays come from a fixed seed, spread over one
 * uninterrupted run's span on this machine (measured, never asserted), so a
 * failure reproduces. After each kill: the remote catalog is old-or-new and
 * opens, every Delta table reads, and a plain rerun converges — no lease
 * break, no manual step. `run --publish` is covered in run/runRecovery.test.ts.
 */
const KILLS = 15;

function journalOf(mirror: LocalMirror): PublishJournal | undefined {
  return existsSync(mirror.journalFile)
    ? (JSON.parse(readFileSync(mirror.journalFile, 'utf8')) as PublishJournal)
    : undefined;
}
const MAX_TRIES = 40;

describe('publish SIGKILLed at random times', () => {
  it(`${KILLS} kills: old-or-new after each, and a plain rerun converges every time`, async () => {
    const { lake, cwd, mirror } = await pulledLakehouse();
    const args = ['publish', 'lh', '--json', '--holder', 'kills@ci'];
    await changeLocally(mirror, 0);
    const startedAt = Date.now();
    const first = await runCli(args, {}, cwd);
    const span = Math.max(500, Date.now() - startedAt);
    expect(first.code, first.stdout + first.stderr).toBe(0);

    const random = seeded(13);
    let kills = 0;
    for (let i = 1; kills < KILLS && i <= MAX_TRIES; i++) {
      await changeLocally(mirror, i);
      const oldMd5 = await remoteMd5(lake);
      // Later publishes are often shorter than the measured one, so delays come from 0.8 of its span.
      const killed = await runAndKill(args, cwd, Math.round(span * 0.8 * random()));
      // New: the catalog the killed publish uploads (after its maintenance of the local copy).
      const newMd5 = journalOf(mirror)?.catalogMd5 ?? localMd5(mirror);
      if (killed.killed) kills++;
      else expect(killed.code, killed.out).toBe(0);
      expect([oldMd5, newMd5], `try ${i}`).toContain(await remoteMd5(lake));
      expect(Object.keys(await remoteCatalogContent(lake))).toEqual(TABLES);
      await deltaContent(lake);
      const rerun = await runCli(args, {}, cwd);
      expect(rerun.code, `try ${i}: ${rerun.stdout}${rerun.stderr}`).toBe(0);
      expect(['published', 'finished-earlier-publish', 'nothing-to-publish']).toContain(rerun.json.status);
      await expectConverged(lake, mirror, `try ${i}`, kills === KILLS);
    }
    expect(kills).toBe(KILLS);
  }, 600_000);
});

describe('export-delta SIGKILLed at random times', () => {
  it(`${KILLS} kills: the catalog untouched, Delta reads after each, a plain rerun exports everything`, async () => {
    const { lake, cwd, mirror } = await pulledLakehouse();
    const args = ['export-delta', 'lh', '--json'];
    // The catalog moves ahead of Delta (publish --no-delta); export-delta then has work to do.
    const lagging = async (n: number) => {
      await changeLocally(mirror, n);
      const published = await runCli(['publish', 'lh', '--no-delta', '--json'], {}, cwd);
      expect(published.code, published.stdout + published.stderr).toBe(0);
    };
    await lagging(0);
    const startedAt = Date.now();
    const first = await runCli(args, {}, cwd);
    const span = Math.max(500, Date.now() - startedAt);
    expect(first.code, first.stdout + first.stderr).toBe(0);

    const random = seeded(31);
    let kills = 0;
    for (let i = 1; kills < KILLS && i <= MAX_TRIES; i++) {
      await lagging(i);
      const catalog = await remoteMd5(lake);
      const killed = await runAndKill(args, cwd, Math.round(span * random()));
      if (killed.killed) kills++;
      else expect(killed.code, killed.out).toBe(0);
      expect(await remoteMd5(lake), `try ${i}: export never changes the catalog`).toBe(catalog);
      await deltaContent(lake);
      const rerun = await runCli(args, {}, cwd);
      expect(rerun.code, `try ${i}: ${rerun.stdout}${rerun.stderr}`).toBe(0);
      expect((await lake.guard.inspect()).status, `try ${i}: lease free`).toBe('free');
      const local = await localContent(mirror);
      expect(await remoteCatalogContent(lake)).toEqual(local);
      expect(await deltaContent(lake, kills === KILLS), `try ${i}: Delta equals the catalog`).toEqual(local);
    }
    expect(kills).toBe(KILLS);
  }, 600_000);
});
