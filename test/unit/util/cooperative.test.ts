import { describe, expect, it } from 'vitest';
import { cooperativeYield } from '../../../src/core/util/cooperative';

describe('cooperativeYield', () => {
  it('lets pending callbacks run once its slice has passed', async () => {
    const pause = cooperativeYield(0);
    let ran = false;
    setImmediate(() => (ran = true));
    await pause();
    expect(ran).toBe(true);
  });

  it('costs no turn of the event loop within its slice', async () => {
    const pause = cooperativeYield(1e9);
    let ran = false;
    setImmediate(() => (ran = true));
    for (let i = 0; i < 100; i++) await pause();
    expect(ran).toBe(false);
  });
});
