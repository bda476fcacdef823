import { describe, expect, it } from 'vitest';
import { parseLakehouseFile, resolveEntries } from '../../../src/core/config/lakehouseConfig';
import { ConfigError } from '../../../src/core/errors';
import {
  DEFAULT_LAKE_LAYOUT,
  DEFAULT_ROW_GROUP_SIZE,
  parseLayout,
  setOptionSql,
  sizeBytes,
  sortClause,
} from '../../../src/core/lake/layout';
import { emptyConfig, folderConfig, mergeConfig } from '../../../src/core/models/node-config';

const LOCATION = 'azurite://127.0.0.1:10000/ws/test.Lakehouse';

describe('layout settings', () => {
  it('defaults to a row-group size in the 2–16M-row range Direct Lake reads best', () => {
    expect(DEFAULT_ROW_GROUP_SIZE).toBeGreaterThanOrEqual(2_000_000);
    expect(DEFAULT_ROW_GROUP_SIZE).toBeLessThanOrEqual(16_000_000);
    const [entry] = resolveEntries([{ name: 'a', location: LOCATION }], 'test');
    expect(entry!.layout).toEqual(DEFAULT_LAKE_LAYOUT);
    expect(entry!.layout!.rowGroupSize).toBe(DEFAULT_ROW_GROUP_SIZE);
  });

  it('reads layout: from lakehouse.yml, keeping the default for what it leaves out', () => {
    const [entry] = parseLakehouseFile(
      `lakehouses:\n  - name: a\n    location: ${LOCATION}\n    layout:\n      targetFileSize: 256MB\n`,
      'lakehouse.yml',
    );
    expect(entry!.layout).toEqual({ rowGroupSize: DEFAULT_ROW_GROUP_SIZE, targetFileSize: '256MB' });
    const [own] = parseLakehouseFile(
      `lakehouses:\n  - name: a\n    location: ${LOCATION}\n    layout: { rowGroupSize: 8_000_000 }\n`,
      'lakehouse.yml',
    );
    expect(own!.layout!.rowGroupSize).toBe(8_000_000);
  });

  it('refuses what it cannot write: tiny row groups, sizes without a unit it knows, a lake-wide sort, unknown keys', () => {
    const entry = (layout: unknown) => () => resolveEntries([{ name: 'a', location: LOCATION, layout }], 'test');
    expect(entry({ rowGroupSize: 100 })).toThrow(/rowGroupSize must be a whole number of rows, at least 2048/);
    expect(entry({ rowGroupSize: 2.5e6 + 0.5 })).toThrow(ConfigError);
    expect(entry({ targetFileSize: 'big' })).toThrow(/targetFileSize must be a size such as 512MB/);
    expect(entry({ sortedBy: ['id'] })).toThrow(/'sortedBy' is a table's setting/);
    expect(entry({ row_group_size: 4096 })).toThrow(/unknown key 'row_group_size'; a layout has rowGroupSize/);
    expect(entry('4M')).toThrow(/layout must be a mapping/);
  });

  it("parses a model's lakehouse_layout with dbt's snake_case keys and a sort key safe to put in SQL", () => {
    expect(parseLayout({ row_group_size: '4_000_000', sorted_by: 'day, site_id DESC' }, 'm', 'snake')).toEqual({
      rowGroupSize: 4_000_000,
      sortedBy: ['day', 'site_id DESC'],
    });
    expect(() => parseLayout({ sorted_by: ['id; DROP TABLE x'] }, 'm', 'snake')).toThrow(/is not a column name/);
    expect(sortClause(['day', 'site_id desc nulls last', '"Odd ""name"""'])).toBe(
      '"day", "site_id" desc nulls last, "Odd ""name"""',
    );
    expect(setOptionSql('lake', 'target_file_size', "5'MB", { schema: 'main', table: 't' })).toBe(
      "CALL \"lake\".set_option('target_file_size', '5''MB', schema => 'main', table_name => 't')",
    );
  });

  it('reads a target size in bytes as DuckLake stores it (KB = 1000, KiB = 1024)', () => {
    expect(sizeBytes('64MB')).toBe(64_000_000);
    expect(sizeBytes('1KiB')).toBe(1024);
    expect(sizeBytes('1.5 GB')).toBe(1_500_000_000);
    expect(sizeBytes('1000B')).toBe(1000);
    expect(sizeBytes('512')).toBeNaN();
    expect(() => parseLayout({ target_file_size: 512 }, 'm', 'snake')).toThrow(/must be a size such as 512MB/);
  });

  it('merges lakehouse_layout across dbt_project.yml folders and the model, like meta', () => {
    const tree = { lab: { '+lakehouse_layout': { row_group_size: 4_000_000 }, marts: {} } };
    let config = emptyConfig();
    for (const level of folderConfig(tree, ['lab', 'marts', 'orders'])) config = mergeConfig(config, level);
    config = mergeConfig(config, { lakehouse_layout: { sorted_by: ['order_date'] } });
    expect(config.lakehouse_layout).toEqual({ row_group_size: 4_000_000, sorted_by: ['order_date'] });
  });
});
