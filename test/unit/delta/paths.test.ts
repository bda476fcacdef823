import { describe, expect, it } from 'vitest';
import type { CatalogTable } from '../../../src/core/ducklake/catalogReader';
import { UnsafeCatalogPathError } from '../../../src/core/delta/errors';
import {
  commitFileName,
  decodeDeltaPath,
  encodeDeltaPath,
  parseLogFileName,
  safeRelativeFolder,
  safeRelativeSegments,
} from '../../../src/core/delta/paths';
import { dataFileRelativePath, scheduledFileInFolder, tableFolder } from '../../../src/core/delta/tableFolder';

describe('Delta paths', () => {
  it('URI-encodes file paths per segment, keeping = and unreserved characters', () => {
    expect(encodeDeltaPath('ducklake-01a2.parquet')).toBe('ducklake-01a2.parquet');
    expect(encodeDeltaPath('region=eu/ducklake-1.parquet')).toBe('region=eu/ducklake-1.parquet');
    // DuckLake's Hive folder for 'a/b c%' is literally `b=a%2Fb%20c%25`: the % itself must be encoded.
    expect(encodeDeltaPath('b=a%2Fb%20c%25/f.parquet')).toBe('b=a%252Fb%2520c%2525/f.parquet');
    expect(encodeDeltaPath('k=a b+c:d?e#f/f.parquet')).toBe('k=a%20b%2Bc%3Ad%3Fe%23f/f.parquet');
    expect(encodeDeltaPath('k=zürich/😀.parquet')).toBe('k=z%C3%BCrich/%F0%9F%98%80.parquet');
  });

  it('decodes what it encodes', () => {
    for (const path of ['b=a%2Fb%20c%25/f.parquet', 'k=zürich/x y.parquet', "q='x'/(1).parquet"]) {
      expect(decodeDeltaPath(encodeDeltaPath(path))).toBe(path);
    }
  });

  it('rejects relative paths that could leave their folder', () => {
    const bad = [
      '../x.parquet',
      'a/../../x',
      '/etc/passwd',
      'C:/x',
      'abfss://x@y/z',
      'a//b',
      './a',
      'a\\b',
      'a\u0000b',
      '',
      // Near DuckLake's own names (the one-pattern path): each breaks one rule.
      'p=1/../ducklake-x.parquet',
      'p=1/./ducklake-x.parquet',
      'p=1//ducklake-x.parquet',
      'p=1/ducklake-x.parquet\n',
      'x:/ducklake-x.parquet',
      '..',
    ];
    for (const path of bad) {
      expect(() => safeRelativeSegments(path, 'data file path'), path).toThrow(UnsafeCatalogPathError);
    }
    expect(safeRelativeSegments('b=1/ducklake-x.parquet', 'data file path')).toEqual(['b=1', 'ducklake-x.parquet']);
    expect(safeRelativeSegments('a/.b/c d', 'data file path')).toEqual(['a', '.b', 'c d']);
    expect(safeRelativeSegments('main/t/', 'folder')).toEqual(['main', 't']);
    expect(safeRelativeFolder('main/t', 'folder')).toBe('main/t/');
    expect(() => safeRelativeFolder('main/_delta_log/', 'folder')).toThrow(/_delta_log/);
  });

  it('names and recognises log files', () => {
    expect(commitFileName(12)).toBe('00000000000000000012.json');
    expect(parseLogFileName('00000000000000000012.json')).toEqual({
      kind: 'commit',
      version: 12,
      name: '00000000000000000012.json',
    });
    expect(parseLogFileName('00000000000000000010.checkpoint.parquet')).toMatchObject({
      kind: 'checkpoint',
      version: 10,
      parts: 1,
    });
    expect(parseLogFileName('00000000000000000010.checkpoint.0000000002.0000000003.parquet')).toMatchObject({
      version: 10,
      part: 2,
      parts: 3,
    });
    expect(parseLogFileName('_last_checkpoint')).toEqual({ kind: 'last-checkpoint', name: '_last_checkpoint' });
    expect(parseLogFileName('00000000000000000012.crc')).toBeUndefined();
    expect(parseLogFileName('.abc.tmp')).toBeUndefined();
  });
});

const table = (extra: Partial<CatalogTable>): CatalogTable => ({
  tableId: 1,
  uuid: null,
  name: 't',
  schemaName: 'main',
  tablePath: 't/',
  tablePathIsRelative: true,
  schemaPath: 'main/',
  schemaPathIsRelative: true,
  beginSnapshot: 1,
  endSnapshot: null,
  ...extra,
});

describe('table folders and data file paths from the catalog', () => {
  const dataPath = 'abfss://ws@onelake.dfs.fabric.microsoft.com/lh.Lakehouse/Tables/';

  it('joins schema and table paths, relativising absolute ones under DATA_PATH', () => {
    expect(tableFolder(table({}), dataPath)).toBe('main/t/');
    expect(tableFolder(table({ tablePath: `${dataPath}main/t/`, tablePathIsRelative: false }), dataPath)).toBe(
      'main/t/',
    );
    expect(tableFolder(table({ schemaPath: `${dataPath}sales/`, schemaPathIsRelative: false }), dataPath)).toBe(
      'sales/t/',
    );
    expect(
      tableFolder(table({ tablePath: 'abfss://other@host/t/', tablePathIsRelative: false }), dataPath),
    ).toBeUndefined();
    expect(() => tableFolder(table({ tablePath: '../../x/' }), dataPath)).toThrow(UnsafeCatalogPathError);
    expect(() => tableFolder(table({ schemaPath: '/abs/', schemaPathIsRelative: true }), dataPath)).toThrow(
      UnsafeCatalogPathError,
    );
    expect(() => tableFolder(table({ tablePath: 'relative/', tablePathIsRelative: false }), dataPath)).toThrow(
      /flagged absolute/,
    );
  });

  it('keeps data files inside the table folder', () => {
    expect(dataFileRelativePath({ path: 'b=1/f.parquet', pathIsRelative: true }, 'main/t/', dataPath)).toBe(
      'b=1/f.parquet',
    );
    expect(
      dataFileRelativePath({ path: `${dataPath}main/t/f.parquet`, pathIsRelative: false }, 'main/t/', dataPath),
    ).toBe('f.parquet');
    expect(
      dataFileRelativePath({ path: '/data/elsewhere/f.parquet', pathIsRelative: false }, 'main/t/', dataPath),
    ).toBeUndefined();
    expect(
      dataFileRelativePath({ path: `${dataPath}main/t2/f.parquet`, pathIsRelative: false }, 'main/t/', dataPath),
    ).toBeUndefined();
    expect(() => dataFileRelativePath({ path: '../t2/f.parquet', pathIsRelative: true }, 'main/t/', dataPath)).toThrow(
      UnsafeCatalogPathError,
    );
    expect(() => dataFileRelativePath({ path: '/etc/passwd', pathIsRelative: true }, 'main/t/', dataPath)).toThrow(
      UnsafeCatalogPathError,
    );
  });

  it('finds scheduled-for-deletion files of one folder', () => {
    expect(scheduledFileInFolder({ path: 'main/t/f.parquet', pathIsRelative: true }, 'main/t/', dataPath)).toBe(
      'f.parquet',
    );
    expect(
      scheduledFileInFolder({ path: 'main/t2/f.parquet', pathIsRelative: true }, 'main/t/', dataPath),
    ).toBeUndefined();
    expect(scheduledFileInFolder({ path: 'main/t/../x', pathIsRelative: true }, 'main/t/', dataPath)).toBeUndefined();
  });
});
