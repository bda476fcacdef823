import { describe, expect, it } from 'vitest';
import { parseLakehouseFile } from '../../../src/core/config/lakehouseConfig';
import { addLakehouseEntry, entryNameFrom, removeLakehouseEntry } from '../../../src/core/config/lakehouseFileEdit';

const WS = 'aaaaaaaa-0000-4000-8000-000000000001';
const LH = 'bbbbbbbb-0000-4000-8000-000000000002';
const FILE = `# Our lakehouses (keep this comment)
lakehouses:
  - name: dev # the dev one
    location: onelake://Sales/dev.Lakehouse
    staleAfter: 2h
settings: { keep: me }
`;

describe('lakehouse.yml editing', () => {
  it('adds an entry and keeps comments and other keys', () => {
    const text = addLakehouseEntry(FILE, {
      name: 'sales',
      location: `abfss://${WS}@onelake.dfs.fabric.microsoft.com/${LH}`,
      comment: 'Sales workspace / sales lakehouse',
    });
    expect(text).toContain('# Our lakehouses (keep this comment)');
    expect(text).toContain('# the dev one');
    expect(text).toContain('# Sales workspace / sales lakehouse');
    expect(text).toContain('settings: { keep: me }');
    const entries = parseLakehouseFile(text, 'lakehouse.yml');
    expect(entries.map((e) => [e.name, e.location.container, e.location.item])).toEqual([
      ['dev', 'Sales', 'dev.Lakehouse'],
      ['sales', WS, LH],
    ]);
  });

  it('creates the list in an empty file and refuses a duplicate name', () => {
    const text = addLakehouseEntry('', { name: 'a', location: 'onelake://w/a.Lakehouse' });
    expect(parseLakehouseFile(text, 'x').map((e) => e.name)).toEqual(['a']);
    expect(() => addLakehouseEntry(text, { name: 'a', location: 'onelake://w/b.Lakehouse' })).toThrow(/already has/);
  });

  it('removes one entry and leaves the rest as written', () => {
    const added = addLakehouseEntry(FILE, { name: 'x', location: 'onelake://w/x.Lakehouse' });
    const text = removeLakehouseEntry(added, 'x');
    expect(parseLakehouseFile(text, 'x').map((e) => e.name)).toEqual(['dev']);
    expect(text).toContain('# the dev one');
    expect(() => removeLakehouseEntry(text, 'nope')).toThrow(/no lakehouse named 'nope'/);
  });

  it('derives a valid, unused entry name from a display name', () => {
    expect(entryNameFrom('Sales Lake (EU)', new Set())).toBe('Sales_Lake_EU');
    expect(entryNameFrom('sales.Lakehouse', new Set(['sales']))).toBe('sales-2');
  });
});
