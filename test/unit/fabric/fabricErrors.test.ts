import { describe, expect, it } from 'vitest';
import { fabricErrorFrom, fabricPortalUrl, retryAfterMs } from '../../../src/core/fabric';

describe('Fabric error envelopes', () => {
  it('keeps errorCode, message, details and request id in one readable line', () => {
    const error = fabricErrorFrom(
      400,
      {
        errorCode: 'InvalidParameter',
        message: 'The type is not valid.',
        requestId: 'r-1',
        moreDetails: [{ errorCode: 'X', message: 'Use Lakehouse.' }],
      },
      'list lakehouses',
      'lakehouses',
    );
    expect(error.code).toBe('fabric');
    expect(error.message).toBe(
      'Fabric refused to list lakehouses: The type is not valid. Use Lakehouse. [InvalidParameter] (request id r-1).',
    );
    expect(error.requestId).toBe('r-1');
  });

  it('maps 401/403/404/429 to codes a caller can act on', () => {
    expect(fabricErrorFrom(401, undefined, 'x', 'workspaces').code).toBe('fabric-signin');
    expect(fabricErrorFrom(403, undefined, 'x', 'workspaces').hint).toMatch(/Workspace\.Read\.All/);
    expect(fabricErrorFrom(404, undefined, 'x', 'workspace').code).toBe('fabric-not-found');
    expect(fabricErrorFrom(429, undefined, 'x', 'workspace').code).toBe('fabric-throttled');
    expect(fabricErrorFrom(500, { message: 'oops' }, 'x', 'workspace').hint).toMatch(/try again later/);
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates, defaulting to one second', () => {
    expect(retryAfterMs('7')).toBe(7_000);
    expect(retryAfterMs('0.5')).toBe(500);
    expect(retryAfterMs(null)).toBe(1_000);
    expect(retryAfterMs('soon')).toBe(1_000);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(retryAfterMs('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
  });
});

describe('Open in Fabric', () => {
  it('builds the portal URL of a lakehouse', () => {
    expect(fabricPortalUrl('w 1', 'l/2')).toBe('https://app.fabric.microsoft.com/groups/w%201/lakehouses/l%2F2');
  });
});
