import { describe, expect, it } from 'vitest';
import { parseLakehouseFile } from '../../../src/core/config/lakehouseConfig';
import { safeRelativePath } from '../../../src/core/lake/catalogFiles';
import { itemBlobName, parseLocation, tablesUrl } from '../../../src/core/storage/location';

describe('parseLocation', () => {
  it('maps OneLake forms to the Blob API endpoint', () => {
    for (const uri of [
      'onelake://Sales%20WS/sales.Lakehouse',
      'abfss://Sales WS@onelake.dfs.fabric.microsoft.com/sales.Lakehouse',
    ]) {
      const loc = parseLocation(uri);
      expect(loc).toMatchObject({
        kind: 'onelake',
        accountUrl: 'https://onelake.blob.fabric.microsoft.com',
        container: 'Sales WS',
        item: 'sales.Lakehouse',
      });
    }
    expect(tablesUrl(parseLocation('onelake://ws/lh.Lakehouse'))).toBe(
      'abfss://ws@onelake.dfs.fabric.microsoft.com/lh.Lakehouse/Tables/',
    );
  });

  it('maps the emulator to its development account', () => {
    const loc = parseLocation('azurite://127.0.0.1:10000/workspace1/lh.Lakehouse');
    expect(loc).toMatchObject({
      kind: 'azurite',
      accountUrl: 'http://127.0.0.1:10000/devstoreaccount1',
      container: 'workspace1',
    });
    expect(itemBlobName(loc, 'Files/metadata.db')).toBe('lh.Lakehouse/Files/metadata.db');
  });

  it('refuses locations and paths that are wrong or escape the item', () => {
    for (const bad of [
      'onelake://ws',
      'onelake://ws/a/b',
      'azurite://host/ws/lh',
      'ftp://x/y/z',
      'not a url',
      'onelake://ws/..',
      'https://example.com/c/i',
    ]) {
      expect(() => parseLocation(bad), bad).toThrow(/Invalid lakehouse location/);
    }
    expect(() => itemBlobName(parseLocation('onelake://ws/lh'), 'Files/../../other/metadata.db')).toThrow(
      /leaves the lakehouse/,
    );
  });
});

describe('lakehouse.yml', () => {
  it('resolves entries with defaults', () => {
    const [entry] = parseLakehouseFile(
      'lakehouses:\n  - name: energy\n    location: onelake://ws/energy.Lakehouse\n    staleAfter: 2h\n',
      'lakehouse.yml',
    );
    expect(entry).toMatchObject({ name: 'energy', catalogPath: 'Files/metadata.db', staleAfterMs: 7_200_000 });
  });

  it('says what is wrong and where', () => {
    expect(() => parseLakehouseFile('lakehouses: [', 'x.yml')).toThrow(/not valid YAML/);
    expect(() => parseLakehouseFile('lakehouses:\n  - name: a\n', 'x.yml')).toThrow(
      /x.yml lakehouses\[0\]: 'location' is required/,
    );
    expect(() =>
      parseLakehouseFile(
        'lakehouses:\n  - {name: a, location: "onelake://w/i"}\n  - {name: a, location: "onelake://w/j"}\n',
        'x.yml',
      ),
    ).toThrow(/used twice/);
    expect(() =>
      parseLakehouseFile('lakehouses:\n  - {name: a, location: "onelake://w/i", catalog: "../x.db"}\n', 'x.yml'),
    ).toThrow(/leaves the lakehouse/);
  });
});

describe('safeRelativePath', () => {
  it('normalizes catalog paths and refuses escapes', () => {
    expect(safeRelativePath('main/t/./ducklake-1.parquet')).toBe('main/t/ducklake-1.parquet');
    for (const bad of ['../secret', 'main/../../x', '/etc/passwd', 'C:\\x\\y', 'abfss://ws@host/x', 's3://b/k', '']) {
      expect(() => safeRelativePath(bad), bad).toThrow();
    }
  });
});
