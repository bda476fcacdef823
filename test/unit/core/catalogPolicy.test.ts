import { describe, expect, it } from 'vitest';
import {
  UnsafeCatalogPathError as DeltaUnsafe,
  CatalogFormatError as DeltaFormat,
} from '../../../src/core/delta/errors';
import { safeRelativeSegments } from '../../../src/core/delta/paths';
import { CatalogFormatError, UnsafeCatalogPathError } from '../../../src/core/ducklake/errors';
import { checkCatalogVersion, formatOfHeader } from '../../../src/core/ducklake/format';
import { showCatalogValue } from '../../../src/core/ducklake/catalogSafety';
import { safeRelativePath, UnsafeCatalogPathError as LakeUnsafe } from '../../../src/core/lake/catalogFiles';
import { CatalogFormatError as LakeFormat } from '../../../src/core/lake/catalogFormat';

const verdict = (f: () => unknown) => {
  try {
    f();
    return 'accepted';
  } catch (error) {
    return error instanceof UnsafeCatalogPathError ? 'refused' : `threw ${String(error)}`;
  }
};

describe('one owner of DuckLake catalog rules (core/ducklake)', () => {
  it('one set of errors: the mirror, pull and the Delta exporter throw the same classes', () => {
    expect(LakeUnsafe).toBe(UnsafeCatalogPathError);
    expect(DeltaUnsafe).toBe(UnsafeCatalogPathError);
    expect(LakeFormat).toBe(CatalogFormatError);
    expect(DeltaFormat).toBe(CatalogFormatError);
    expect(new UnsafeCatalogPathError('x', 'is absolute').code).toBe('catalog-path-unsafe');
  });

  it.each([
    ['main\\..\\..\\etc\\passwd', 'refused'],
    ['main\\t\\f.parquet', 'refused'],
    ['/etc/passwd', 'refused'],
    ['C:/Windows/x', 'refused'],
    ['abfss://ws@host/x', 'refused'],
    ['main/t\u0001/f.parquet', 'refused'],
    ['main/../../x.parquet', 'refused'],
    ['main/t/ducklake-1.parquet', 'accepted'],
    ['main/t/b=k0/ducklake-2.parquet', 'accepted'],
  ])('one path policy: %s is %s by the mirror and the Delta exporter alike', (path, expected) => {
    expect(verdict(() => safeRelativePath(path))).toBe(expected);
    expect(verdict(() => safeRelativeSegments(path, 'a data file path'))).toBe(expected);
  });

  it('one version policy, and a hostile version is never echoed', () => {
    expect(checkCatalogVersion('1.0')).toBe('1.0');
    for (const v of ['1.1', '0.3', undefined]) expect(() => checkCatalogVersion(v)).toThrow(CatalogFormatError);
    const secret = '-----BEGIN KEY-----\nAAAA';
    expect(() => checkCatalogVersion(secret)).toThrow(/a value of 24 characters that is not shown/);
    expect(showCatalogValue('az://ws/lh.Lakehouse/Tables/')).toBe('az://ws/lh.Lakehouse/Tables/');
    // A path with a terminal escape is shown by its length only, in the path error as well.
    const escape = 'main/t/\u001b]0;owned\u0007x.parquet';
    expect(() => safeRelativePath(escape)).toThrow(/a value of 26 characters that is not shown/);
    expect(verdict(() => safeRelativePath(escape))).toBe('refused');
  });

  it('one sniffer', () => {
    expect(formatOfHeader(Buffer.from('SQLite format 3\0'))).toBe('sqlite');
    expect(formatOfHeader(Buffer.from('\0\0\0\0\0\0\0\0DUCK\0\0\0\0'))).toBe('duckdb');
    expect(formatOfHeader(Buffer.from('SQLite format 3'), 15)).toBeUndefined();
    expect(formatOfHeader(Buffer.alloc(0), 0)).toBeUndefined();
  });
});

describe('one reader of the DuckLake metadata tables (core/ducklake/catalogReader.ts)', () => {
  it('no other module of src/ queries a DuckLake metadata table', async () => {
    const { readdirSync, readFileSync, statSync } = await import('node:fs');
    const { join } = await import('node:path');
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) walk(path);
        else if (path.endsWith('.ts')) files.push(path);
      }
    };
    walk('src');
    expect(files.length).toBeGreaterThan(100);
    // A metadata table named in SQL (FROM/JOIN a quoted or table()-wrapped name), outside the one reader.
    const query =
      /(?:FROM|JOIN)\s+[^;]{0,40}ducklake_(?:metadata|snapshot|table|schema|column|data_file|delete_file|file_column_stats|partition_info|inlined|files_scheduled)/;
    const readers = files.filter(
      (f) => query.test(readFileSync(f, 'utf8')) || /\bsqlite_scan\(/.test(readFileSync(f, 'utf8')),
    );
    // The reader, and the migration's verbatim copy of the metadata tables (team mode), both in core/ducklake.
    expect(readers.map((f) => f.replace(/\\/g, '/')).sort()).toEqual([
      'src/core/ducklake/catalogCopy.ts',
      'src/core/ducklake/catalogReader.ts',
    ]);
  });
});
