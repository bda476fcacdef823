import { describe, expect, it } from 'vitest';
import { caseInsensitiveDuplicates, columnNameProblem, tableNameProblem } from '../../../src/core/delta/names';

describe('names Fabric and Delta reject', () => {
  it('flags table folder names with characters Fabric rejects', () => {
    for (const name of ['a"b', "a'b", 'a#b', 'a%b', 'a+b', 'a:b', 'a?b', 'a`b']) {
      expect(tableNameProblem(name), name).toMatch(/^contains /);
    }
    expect(tableNameProblem('a#b?')).toBe("contains '#' '?'");
    expect(tableNameProblem(' padded')).toBe('starts or ends with whitespace');
    expect(tableNameProblem('dot.')).toBe('ends with a dot');
    expect(tableNameProblem('')).toBe('is empty');
    expect(tableNameProblem('orders_2024')).toBeUndefined();
    expect(tableNameProblem('01a21006-7557-7b86-bef1-0e68b605e6bb')).toBeUndefined();
  });

  it('flags column names Delta rejects without column mapping', () => {
    expect(columnNameProblem('order date')).toBe('contains a space');
    expect(columnNameProblem('a,b;c')).toBe("contains ',' ';'");
    expect(columnNameProblem('f(x)={y}')).toBe("contains '{' '}' '(' ')' '='");
    expect(columnNameProblem('tab\there')).toBe('contains a tab');
    expect(columnNameProblem('line\nbreak')).toBe('contains a newline');
    expect(columnNameProblem('naïve_ß')).toBeUndefined();
    expect(columnNameProblem('')).toBe('is empty');
  });

  it('finds names that differ only in case', () => {
    expect(caseInsensitiveDuplicates(['a', 'B', 'A', 'b', 'c'])).toEqual(['a/A', 'B/b']);
    expect(caseInsensitiveDuplicates(['a', 'b'])).toEqual([]);
  });
});
