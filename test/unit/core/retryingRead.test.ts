import { describe, expect, it } from 'vitest';
import { isCutOffRead, retryCutOff } from '../../../src/core/storage/retryingRead';

describe('retryCutOff', () => {
  it('reads again after a body cut off mid-way (no HTTP status), and returns the whole read', async () => {
    let calls = 0;
    const value = await retryCutOff(async () => {
      calls++;
      if (calls < 3) throw new Error('The operation was aborted.');
      return 'whole';
    });
    expect([value, calls]).toEqual(['whole', 3]);
  });

  it('never retries an answer (404, 412) or the caller’s own cancel', async () => {
    let calls = 0;
    const notFound = Object.assign(new Error('not found'), { statusCode: 404 });
    await expect(
      retryCutOff(async () => {
        calls++;
        throw notFound;
      }),
    ).rejects.toBe(notFound);
    expect(calls).toBe(1);
    const controller = new AbortController();
    controller.abort();
    expect(isCutOffRead(new Error('The operation was aborted.'), controller.signal)).toBe(false);
  });

  it('gives up after five tries with the last error', async () => {
    let calls = 0;
    await expect(
      retryCutOff(async () => {
        calls++;
        throw new Error(`cut ${calls}`);
      }),
    ).rejects.toThrow('cut 5');
    expect(calls).toBe(5);
  });
});
