import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { resolveEntries } from '../../../src/core/config/lakehouseConfig';
import { ConfigError } from '../../../src/core/errors';
import { CatalogBusyError, LeaseChangedError, LeaseNotStaleError } from '../../../src/core/lease/leaseErrors';
import { freshLakehouse, guardFor } from '../support/lakehouse';

const HOUR = 3_600_000;

async function untilStale(guard: ReturnType<typeof guardFor>): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if ((await guard.inspect()).status === 'stale') return;
    await sleep(250);
  }
  throw new Error('the lease never became stale');
}

describe('lease staleness on the service’s clock (issue 13 item 4)', () => {
  it('a holder whose clock is 2 h behind or ahead is judged by the service: held, not stale, not breakable', async () => {
    for (const skew of [-2 * HOUR, 2 * HOUR]) {
      const { guard, entry, store } = await freshLakehouse({ staleAfter: '1h' });
      await guard.release(await guard.acquire({ operation: 'setup' }));
      const holder = guardFor(entry, store, { holder: 'skewed@laptop', now: () => new Date(Date.now() + skew) });
      const held = await holder.acquire({ operation: 'run' });
      // Readers on a normal clock and on a clock 2 h ahead agree.
      for (const reader of [
        guardFor(entry, store, { staleAfterMs: HOUR }),
        guardFor(entry, store, { staleAfterMs: HOUR, now: () => new Date(Date.now() + 2 * HOUR) }),
      ]) {
        const view = await reader.inspect();
        expect(view.status, `holder clock ${skew / HOUR} h`).toBe('held');
        expect(view.ageMs!).toBeLessThan(HOUR);
        await expect(reader.breakIfStale()).rejects.toBeInstanceOf(LeaseNotStaleError);
      }
      await holder.release(held);
    }
  });

  it('refuses a stale threshold of 0 (or anything under 2 s) in lakehouse.yml and in the guard', async () => {
    for (const value of ['0', 0, '1s', '500ms']) {
      expect(() =>
        resolveEntries([{ name: 'x', location: 'azurite://127.0.0.1:1/c/x.Lakehouse', staleAfter: value }], 'test'),
      ).toThrow(/staleAfter .* is too short/);
    }
    const { entry, store } = await freshLakehouse();
    expect(() => guardFor(entry, store, { staleAfterMs: 0 })).toThrow(ConfigError);
  });

  it('a heartbeat-renewed long run is never broken; once the heartbeat stops, the same lease goes stale', async () => {
    const { guard, entry, store } = await freshLakehouse();
    await guard.release(await guard.acquire({ operation: 'setup' }));
    const runner = guardFor(entry, store, { holder: 'long@run', staleAfterMs: 4_000 });
    const held = await runner.acquire({ operation: 'run' });
    const stop = runner.startHeartbeat(held, 500);
    const breaker = guardFor(entry, store, { holder: 'breaker@desk', staleAfterMs: 4_000 });
    // Well past the threshold, a breaker trying every 500 ms is always refused.
    const refusals: unknown[] = [];
    for (let i = 0; i < 20; i++) {
      refusals.push(await breaker.breakIfStale().catch((e: unknown) => e));
      await sleep(500);
    }
    expect(refusals.every((e) => e instanceof LeaseNotStaleError)).toBe(true);
    const view = await breaker.inspect();
    expect(view.stamp?.renewed_at).toBeDefined();
    expect(view.stamp?.holder).toBe('long@run');
    // The run's own writes still work under its lease after the heartbeat (its ETag followed).
    await stop();
    await runner.upload(held, new TextEncoder().encode('the run’s catalog'));
    // Control: without a heartbeat the same lease becomes stale and is broken.
    await untilStale(breaker);
    await breaker.breakIfStale();
    expect((await breaker.inspect()).status).toBe('broken');
  });

  it('two breakers of one stale lease: exactly one takes it', async () => {
    const { guard, entry, store } = await freshLakehouse();
    await guard.release(await guard.acquire({ operation: 'setup' }));
    await guardFor(entry, store, { holder: 'crashed@run' }).acquire({ operation: 'run' });
    const [a, b] = ['a@desk', 'b@desk'].map((holder) => guardFor(entry, store, { holder, staleAfterMs: 2_000 }));
    await untilStale(a!);
    const results = await Promise.all(
      [a!, b!].map((g) =>
        g.acquire({ operation: 'run', breakIfStale: true }).then(
          (held) => held.stamp.holder,
          (e: unknown) => e,
        ),
      ),
    );
    const winners = results.filter((r) => typeof r === 'string');
    expect(winners).toHaveLength(1);
    const loser = results.find((r) => typeof r !== 'string');
    expect(loser instanceof CatalogBusyError || loser instanceof LeaseChangedError).toBe(true);
    expect((await guard.inspect()).stamp?.holder).toBe(winners[0]);
  });

  it('Force Break breaks only the lease the user was shown: one taken since is left alone', async () => {
    const { guard, entry, store } = await freshLakehouse();
    await guard.release(await guard.acquire({ operation: 'setup' }));
    const first = guardFor(entry, store, { holder: 'first@run' });
    const firstHeld = await first.acquire({ operation: 'run' });
    const shown = await guardFor(entry, store, { holder: 'admin@desk' }).inspect(); // the dialog names first@run
    expect(shown.stamp?.holder).toBe('first@run');
    // While the dialog is open, first@run finishes and second@run takes the lease.
    await first.release(firstHeld);
    const second = guardFor(entry, store, { holder: 'second@run' });
    await second.acquire({ operation: 'run' });
    const admin = guardFor(entry, store, { holder: 'admin@desk' });
    await expect(admin.forceBreak(shown.etag)).rejects.toBeInstanceOf(LeaseChangedError);
    const now = await admin.inspect();
    expect([now.status, now.stamp?.holder]).toEqual(['held', 'second@run']);
    // Shown the current lease, Force Break breaks it.
    await admin.forceBreak(now.etag);
    expect((await admin.inspect()).status).toBe('broken');
  });
});
