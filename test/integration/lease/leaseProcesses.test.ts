import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { freshLakehouse, guardFor, runCli, startCli, untilStale, FLAVORS } from '../support/lakehouse';

const HOUR = 3_600_000;

describe.each(FLAVORS)('lease across real OS processes (%s)', (flavor) => {
  it('race: 8 processes acquire at once, exactly one holds, 7 fail busy naming the winner (or, if it has not stamped yet, saying so)', async () => {
    const { guard, location } = await freshLakehouse({ flavor });
    await guard.release(await guard.acquire({ operation: 'setup' })); // the catalog exists

    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        runCli(['lease', 'acquire', location, '--json', '--holder', `proc-${i}`, '--operation', 'run']),
      ),
    );
    const winners = results.filter((r) => r.code === 0);
    const losers = results.filter((r) => r.code !== 0);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(7);
    const winnerHolder = (winners[0]!.json.stamp as { holder: string }).holder;
    for (const loser of losers) {
      expect(loser.code).toBe(3);
      expect(loser.json.error?.code).toBe('lease-busy');
      // Losers wait about 2 s for the winner's stamp; a winner slower than that (a loaded machine)
      // is said honestly as a new holder. The naming itself is tested deterministically in leaseGuard.test.
      const message = loser.json.error?.message ?? '';
      if (!message.startsWith(`metadata.db is held by ${winnerHolder} (`))
        expect(message).toMatch(
          /^metadata\.db is held by a new holder .*\(just taken, not stamped yet; test@runner released it before\)/,
        );
    }
    expect((await guard.inspect()).stamp?.holder).toBe(winnerHolder);
  });

  it('stale race: 8 rounds of 8 breakers, never two holders', async () => {
    const { guard, entry, store, location } = await freshLakehouse({ flavor });
    await guard.release(await guard.acquire({ operation: 'setup' }));
    for (let round = 0; round < 8; round++) {
      // A crashed run (its clock an hour behind, which must not matter), stale once the service's
      // clock says 2 s passed since its stamp.
      if ((await guard.inspect()).status !== 'free') await guard.forceBreak();
      const crashed = guardFor(entry, store, { holder: `crashed-${round}`, now: () => new Date(Date.now() - HOUR) });
      await crashed.acquire({ operation: 'run' });
      await untilStale(guardFor(entry, store, { staleAfterMs: 2_000 }));

      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          runCli([
            'lease',
            'acquire',
            location,
            '--json',
            '--break-if-stale',
            '--stale-after',
            '2s',
            '--holder',
            `r${round}-p${i}`,
          ]),
        ),
      );
      const winners = results.filter((r) => r.code === 0);
      expect(winners, `round ${round}: ${results.map((r) => r.stdout).join('\n')}`).toHaveLength(1);
      for (const r of results.filter((x) => x.code !== 0)) {
        expect([3, 5]).toContain(r.code);
        expect(['lease-busy', 'lease-changed']).toContain(r.json.error?.code);
      }
      const view = await guard.inspect();
      expect(view.status).toBe('held');
      expect(view.stamp?.run_id).toBe((winners[0]!.json.stamp as { run_id: string }).run_id);
    }
  });

  it('crash: a holder killed with SIGKILL blocks the next run until the threshold passes, which then breaks and proceeds', async () => {
    const { guard, location } = await freshLakehouse({ flavor });
    await guard.release(await guard.acquire({ operation: 'setup' }));
    const { child } = await startCli([
      'lease',
      'acquire',
      location,
      '--hold',
      '--holder',
      'doomed@run',
      '--operation',
      'run',
    ]);
    const acquiredAt = Date.now();
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const refused = await runCli([
      'lease',
      'acquire',
      location,
      '--json',
      '--break-if-stale',
      '--stale-after',
      '4s',
      '--holder',
      'next@run',
    ]);
    expect(refused.code).toBe(3);
    expect(refused.json.error?.message).toMatch(
      /held by doomed@run \(run, run [0-9a-f]{8}\).*can be broken as stale in [1-4] s/,
    );

    // The service's clocks have one-second resolution: wait clearly past the threshold.
    await sleep(Math.max(0, acquiredAt + 6_500 - Date.now()));
    const proceeded = await runCli([
      'lease',
      'acquire',
      location,
      '--json',
      '--break-if-stale',
      '--stale-after',
      '4s',
      '--holder',
      'next@run',
    ]);
    expect(proceeded.code, proceeded.stdout + proceeded.stderr).toBe(0);
    expect((await guard.inspect()).stamp?.holder).toBe('next@run');
  });

  it('status, release and break work from the CLI with documented exit codes', async () => {
    const { location } = await freshLakehouse({ flavor });
    const cwd = (await import('node:fs')).mkdtempSync(
      (await import('node:path')).join((await import('node:os')).tmpdir(), 'lh-cli-'),
    );
    const acquired = await runCli(['lease', 'acquire', location, '--json', '--holder', 'ana@laptop'], {}, cwd);
    expect(acquired.code).toBe(0);
    const status = await runCli(['lease', 'status', location, '--json'], {}, cwd);
    expect(status.json).toMatchObject({ status: 'held', stamp: { holder: 'ana@laptop' } });
    const notStale = await runCli(['lease', 'break', location, '--json'], {}, cwd);
    expect(notStale.code).toBe(5);
    const released = await runCli(['lease', 'release', location], {}, cwd);
    expect(released.code).toBe(0);
    expect((await runCli(['lease', 'status', location, '--json'], {}, cwd)).json.status).toBe('free');
    await runCli(['lease', 'acquire', location, '--holder', 'bob@desk'], {}, cwd);
    const forced = await runCli(['lease', 'break', location, '--force'], {}, cwd);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain('held by bob@desk');
    const text = await runCli(['lease', 'status', location], {}, cwd);
    expect(text.stdout).toContain('last lease broken');
    const usage = await runCli(['lease', 'status', 'ftp://nowhere'], {}, cwd);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('Invalid lakehouse location');
  });
});
