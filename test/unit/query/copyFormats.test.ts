import { describe, expect, it } from 'vitest';
import { formatRows } from '../../../media/query/copyFormats';
import type { Cell, ColumnInfo } from '../../../src/core/query/types';

const columns: ColumnInfo[] = [
  { name: 'id', type: 'HUGEINT', display: 'number' },
  { name: 'name', type: 'VARCHAR', display: 'text' },
  { name: 'ok', type: 'BOOLEAN', display: 'boolean' },
];
const rows: Cell[][] = [
  ['170141183460469231731687303715884105727', 'plain', 'true'],
  ['2', 'tab\there, "quoted"\nnewline', null],
  ['3', '', 'false'],
  [null, 'a|b <i>', 'true'],
];

describe('formatRows', () => {
  it('CSV quotes separators, quotes and newlines; NULL is empty and "" is the empty string', () => {
    expect(formatRows('csv', columns, rows)).toBe(
      [
        'id,name,ok',
        '170141183460469231731687303715884105727,plain,true',
        '2,"tab\there, ""quoted""\nnewline",',
        '3,"",false',
        ',a|b <i>,true',
      ].join('\n'),
    );
  });

  it('TSV quotes tabs and newlines the same way', () => {
    expect(formatRows('tsv', columns, rows.slice(1, 3), false)).toBe(
      ['2\t"tab\there, ""quoted""\nnewline"\t', '3\t""\tfalse'].join('\n'),
    );
  });

  it('JSON keeps numbers exact, booleans typed and NULL as null', () => {
    const json = formatRows('json', columns, rows);
    expect(json).toContain('"id": 170141183460469231731687303715884105727');
    expect(json).toContain('"name": "tab\\there, \\"quoted\\"\\nnewline"');
    expect(json).toContain('"ok": null');
    expect(json).toContain('"id": null');
    const parsed = JSON.parse(json) as Record<string, unknown>[];
    expect(parsed).toHaveLength(4);
    expect(parsed[2]).toEqual({ id: 3, name: '', ok: false });
  });

  it('Markdown escapes pipes, HTML and newlines and right-aligns numbers', () => {
    expect(formatRows('markdown', columns, [rows[1]!, rows[3]!])).toBe(
      [
        '| id | name | ok |',
        '| ---: | --- | --- |',
        '| 2 | tab\there, "quoted"<br>newline | *NULL* |',
        '| *NULL* | a\\|b &lt;i> | true |',
      ].join('\n'),
    );
  });
});
