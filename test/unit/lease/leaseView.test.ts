import { describe, expect, it } from 'vitest';
import { describeLeaseLong, describeLeaseShort, judgeLease } from '../../../src/core/lease/leaseView';
import { stampFromMetadata, stampTime, stampToMetadata } from '../../../src/core/lease/stamp';

const HOUR = 3_600_000;
const now = new Date('2026-11-24T11:14:00Z');
const stamp = {
  acquired_at: '2026-11-24T10:02:00.000Z',
  holder: 'ana@laptop',
  run_id: '3f2a9c1e-0000-4000-8000-000000000000',
  tool: 'lakehouse-dev/0.1.0',
  operation: 'publish',
};

describe('judgeLease', () => {
  it('judges a held lease on the service’s clock (Date minus the stamp write’s Last-Modified) and says when it becomes breakable', () => {
    const view = judgeLease(
      {
        exists: true,
        leaseState: 'leased',
        etag: '"e1"',
        // The stamp write, on the service's clock; the holder's acquired_at is not used to judge.
        lastModified: new Date('2026-11-24T10:02:00Z'),
        metadata: stampToMetadata({ ...stamp, acquired_at: '2026-11-24T08:00:00.000Z' }),
        serviceDate: now,
      },
      // The reader's clock, two hours ahead: ignored when the service said what time it is.
      new Date(now.getTime() + 2 * HOUR),
      12 * HOUR,
    );
    expect(view.status).toBe('held');
    expect(view.sinceSource).toBe('stamp');
    expect(view.ageMs).toBe(72 * 60_000);
    expect(view.staleAt?.toISOString()).toBe('2026-11-24T22:02:00.000Z');
    expect(describeLeaseShort(view)).toBe('held by ana@laptop · 1 h 12 m');
    expect(describeLeaseLong(view, 'metadata.db')).toBe(
      'metadata.db is held by ana@laptop (publish, run 3f2a9c1e) since 10:02 UTC, 1 h 12 m ago; it can be broken as stale in 10 h 48 m.',
    );
  });

  it('calls a lease stale only once it is older than the threshold', () => {
    const props = {
      exists: true,
      leaseState: 'leased',
      lastModified: new Date('2026-11-24T10:02:00Z'),
      metadata: stampToMetadata(stamp),
    };
    expect(judgeLease(props, now, 2 * HOUR).status).toBe('held');
    expect(judgeLease(props, now, HOUR).status).toBe('stale');
    expect(describeLeaseShort(judgeLease(props, now, HOUR))).toBe('stale · 1 h 12 m · ana@laptop');
  });

  it('measures a missing or garbled stamp from Last-Modified instead of calling it stale', () => {
    const lastModified = new Date(now.getTime() - 5 * 60_000);
    const cases: Array<[Record<string, string>, string]> = [
      [{}, '(no lease stamp: age measured from the last write)'],
      [
        { acquired_at: 'yesterday-ish', holder: 'bob' },
        '(its stamp time is unreadable: age measured from the last write)',
      ],
    ];
    for (const [metadata, said] of cases) {
      const view = judgeLease({ exists: true, leaseState: 'leased', lastModified, metadata }, now, HOUR);
      expect(view.status).toBe('held');
      expect(view.sinceSource).toBe('last-modified');
      expect(view.ageMs).toBe(5 * 60_000);
      expect(describeLeaseLong(view, 'metadata.db')).toContain(said);
    }
  });

  it('maps Azure lease states', () => {
    expect(judgeLease({ exists: false }, now, HOUR).status).toBe('missing');
    expect(judgeLease({ exists: true, leaseState: 'available' }, now, HOUR).status).toBe('free');
    expect(judgeLease({ exists: true, leaseState: 'expired' }, now, HOUR).status).toBe('free');
    expect(judgeLease({ exists: true, leaseState: 'broken' }, now, HOUR).status).toBe('broken');
    expect(judgeLease({ exists: true, leaseState: 'breaking' }, now, HOUR).status).toBe('breaking');
  });
});

describe('stamp', () => {
  it('round-trips through blob metadata, case-insensitively, and keeps headers ASCII', () => {
    const meta = stampToMetadata({ ...stamp, holder: 'zoë@laptop' });
    expect(meta.holder).toBe('zo?@laptop');
    const upper = Object.fromEntries(Object.entries(meta).map(([k, v]) => [k.toUpperCase(), v]));
    expect(stampFromMetadata(upper)?.run_id).toBe(stamp.run_id);
    expect(stampFromMetadata({ other: 'x' })).toBeUndefined();
  });

  it('accepts only real ISO instants', () => {
    expect(stampTime({ acquired_at: '2026-11-24T10:02:00Z' })?.getTime()).toBe(Date.parse('2026-11-24T10:02:00Z'));
    expect(stampTime({ acquired_at: '2026-13-45T99:99:00Z' })).toBeUndefined();
    expect(stampTime({ acquired_at: '1700000000' })).toBeUndefined();
  });
});
