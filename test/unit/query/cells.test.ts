import { describe, expect, it } from 'vitest';
import { cellView, formatCount, prettyJson, typeLabel } from '../../../media/query/cells';

describe('cellView', () => {
  it('shows NULL as a marker distinct from the string "NULL" and from the empty string', () => {
    const nul = cellView(null, 'text');
    const word = cellView('NULL', 'text');
    const empty = cellView('', 'text');
    expect(nul).toMatchObject({ text: 'NULL', kind: 'null' });
    expect(word).toMatchObject({ text: 'NULL', kind: 'value' });
    expect(empty).toMatchObject({ text: '', kind: 'empty' });
  });

  it('keeps the exact text of numbers beyond 2^53 and right-aligns them', () => {
    const huge = '-170141183460469231731687303715884105728';
    expect(cellView(huge, 'number')).toMatchObject({ text: huge, align: 'end' });
  });

  it('never alters hostile text', () => {
    for (const v of [
      '<img src=x onerror=alert(1)>',
      '</script>',
      'javascript:alert(1)',
      '\u0000\u0007\u202e',
      'x'.repeat(1 << 20),
    ])
      expect(cellView(v, 'text').text).toBe(v);
  });

  it('marks JSON values expandable', () => {
    expect(cellView('{"a":1}', 'json').expandable).toBe(true);
    expect(cellView('[]', 'json').expandable).toBe(false);
    expect(cellView('{"a":1}', 'text').expandable).toBe(false);
  });
});

describe('prettyJson', () => {
  it('indents without parsing, so big numbers and string contents survive', () => {
    const text = '{"id":123456789012345678901234567890,"s":"a, b: {c}","l":[1,2],"e":{}}';
    expect(prettyJson(text)).toBe(
      '{\n  "id": 123456789012345678901234567890,\n  "s": "a, b: {c}",\n  "l": [\n    1,\n    2\n  ],\n  "e": {}\n}',
    );
  });

  it('handles escaped quotes inside strings', () => {
    expect(prettyJson('["a\\",b"]')).toBe('[\n  "a\\",b"\n]');
  });
});

describe('labels', () => {
  it('shortens long types and groups counts', () => {
    expect(typeLabel('DECIMAL(38,10)')).toBe('DECIMAL(38,10)');
    expect(typeLabel('STRUCT(a INTEGER, b VARCHAR, c DOUBLE[])')).toBe('STRUCT(…)');
    expect(formatCount(1000000)).toBe('1,000,000');
    expect(formatCount(999)).toBe('999');
  });
});
