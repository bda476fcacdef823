import { describe, expect, it } from 'vitest';
import { filterText, parseFilter } from '../../../media/query/filterSyntax';

describe('filter box syntax', () => {
  it.each([
    ['abc', { column: 1, op: 'contains', value: 'abc' }],
    ['=5', { column: 1, op: 'equals', value: '5' }],
    ['!= x', { column: 1, op: 'not-equals', value: 'x' }],
    ['< 2024-01-01', { column: 1, op: 'lt', value: '2024-01-01' }],
    ['>10', { column: 1, op: 'gt', value: '10' }],
    ['NULL', { column: 1, op: 'is-null' }],
    ['!null', { column: 1, op: 'not-null' }],
  ])('%s', (input, filter) => {
    expect(parseFilter(1, input)).toEqual(filter);
    expect(parseFilter(1, filterText(parseFilter(1, input)!))).toEqual(filter);
  });

  it('an empty box is no filter', () => {
    expect(parseFilter(0, '   ')).toBeUndefined();
  });
});
