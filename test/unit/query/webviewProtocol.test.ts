import { describe, expect, it } from 'vitest';
import { LIMITS, parseSnapshot, parseWebviewMessage } from '../../../src/core/query/webviewProtocol';

describe('parseWebviewMessage', () => {
  it('accepts each well-formed message and returns a fresh copy without extra fields', () => {
    const raw = { type: 'requestPage', id: 3, offset: 200, limit: 200, evil: '<script>' };
    const parsed = parseWebviewMessage(raw);
    expect(parsed).toEqual({ type: 'requestPage', id: 3, offset: 200, limit: 200 });
    expect(parsed).not.toBe(raw);
    expect(parseWebviewMessage({ type: 'ready' })).toEqual({ type: 'ready' });
    expect(parseWebviewMessage({ type: 'sort', id: 1, sort: [{ column: 2, direction: 'desc' }] })).toEqual({
      type: 'sort',
      id: 1,
      sort: [{ column: 2, direction: 'desc' }],
    });
    expect(
      parseWebviewMessage({
        type: 'filter',
        id: 2,
        filters: [
          { column: 0, op: 'contains', value: 'x' },
          { column: 1, op: 'is-null' },
        ],
      }),
    ).toEqual({
      type: 'filter',
      id: 2,
      filters: [
        { column: 0, op: 'contains', value: 'x' },
        { column: 1, op: 'is-null' },
      ],
    });
    expect(parseWebviewMessage({ type: 'chart', id: 4, x: 0, y: 1, limit: 1000 })).toEqual({
      type: 'chart',
      id: 4,
      x: 0,
      y: 1,
      limit: 1000,
    });
    expect(parseWebviewMessage({ type: 'export', format: 'parquet' })).toEqual({ type: 'export', format: 'parquet' });
    expect(parseWebviewMessage({ type: 'setTarget', target: { kind: 'published', lakehouse: 'sales' } })).toEqual({
      type: 'setTarget',
      target: { kind: 'published', lakehouse: 'sales' },
    });
  });

  it.each([
    ['not an object', 'ready'],
    ['null', null],
    ['an array', [{ type: 'ready' }]],
    ['an unknown type', { type: 'runShell', command: 'rm -rf /' }],
    ['a negative offset', { type: 'requestPage', id: 1, offset: -1, limit: 10 }],
    ['a fractional offset', { type: 'requestPage', id: 1, offset: 1.5, limit: 10 }],
    ['a page beyond the cap', { type: 'requestPage', id: 1, offset: 0, limit: LIMITS.pageRows + 1 }],
    ['a zero page', { type: 'requestPage', id: 1, offset: 0, limit: 0 }],
    ['a string id', { type: 'requestPage', id: '1', offset: 0, limit: 10 }],
    ['a bad sort direction', { type: 'sort', id: 1, sort: [{ column: 0, direction: 'sideways' }] }],
    [
      'a SQL fragment as a sort column',
      { type: 'sort', id: 1, sort: [{ column: '1; DROP TABLE t', direction: 'asc' }] },
    ],
    ['an unknown filter op', { type: 'filter', id: 1, filters: [{ column: 0, op: 'raw-sql', value: '1=1' }] }],
    ['a non-string filter value', { type: 'filter', id: 1, filters: [{ column: 0, op: 'equals', value: 5 }] }],
    ['an unknown export format', { type: 'export', format: 'xlsx' }],
    ['a copy without text', { type: 'copy', text: 42 }],
    ['a target of an unknown kind', { type: 'setTarget', target: { kind: 'remote', lakehouse: 'x' } }],
    ['a target without a lakehouse', { type: 'setTarget', target: { kind: 'local', lakehouse: '' } }],
    ['a chart asking for too many points', { type: 'chart', id: 1, x: 0, y: 1, limit: LIMITS.chartPoints + 1 }],
    ['a tab that does not exist', { type: 'setTab', tab: 'settings' }],
  ])('rejects %s', (_name, raw) => {
    expect(parseWebviewMessage(raw)).toBeUndefined();
  });
});

describe('parseSnapshot', () => {
  it('keeps a valid snapshot and drops invalid view parts', () => {
    expect(
      parseSnapshot({
        sql: 'select 1',
        target: { kind: 'local', lakehouse: 'sales' },
        title: 'q',
        sort: [{ column: 0, direction: 'nope' }],
        filters: [{ column: 0, op: 'equals', value: '1' }],
        tab: 'chart',
      }),
    ).toEqual({
      sql: 'select 1',
      target: { kind: 'local', lakehouse: 'sales' },
      title: 'q',
      sort: [],
      filters: [{ column: 0, op: 'equals', value: '1' }],
      tab: 'chart',
    });
  });

  it('rejects a snapshot without SQL or target', () => {
    expect(parseSnapshot({ target: { kind: 'local', lakehouse: 'a' } })).toBeUndefined();
    expect(parseSnapshot({ sql: 'select 1' })).toBeUndefined();
    expect(parseSnapshot(undefined)).toBeUndefined();
  });
});
