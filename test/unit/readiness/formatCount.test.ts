import { describe, expect, it } from 'vitest';
import { formatCount } from '../../../src/core/readiness/formatCount';
import { MAX_STRING_CHARS, RECOMMENDED_ROW_GROUP_ROWS } from '../../../src/core/readiness/skus';

describe('formatCount', () => {
  it("writes whole numbers as toLocaleString('en-US') does", () => {
    const values = [0, 7, 999, 1_000, 12_345, 32_764, 122_880, 999_999, 1_000_000, 16_777_216, 2 ** 53 - 1];
    for (let n = 1; n < 1e15; n = n * 7 + 3) values.push(n);
    values.push(MAX_STRING_CHARS, RECOMMENDED_ROW_GROUP_ROWS.min, RECOMMENDED_ROW_GROUP_ROWS.max);
    for (const v of [...values, ...values.filter((x) => x !== 0).map((x) => -x)])
      expect(formatCount(v), String(v)).toBe(v.toLocaleString('en-US'));
  });

  it('rounds an average to a whole number first, as the findings did with Math.round', () => {
    for (const v of [0.4, 1.5, 1234.5, 122_879.6, 2_500_000.49])
      expect(formatCount(v)).toBe(Math.round(v).toLocaleString('en-US'));
  });
});
