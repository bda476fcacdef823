import { describe, expect, it } from 'vitest';
import { blobServiceUrl, oneLakeEndpointOverride } from '../../../src/core/storage/endpoint';
import { parseLakehouseUrl, parseLocation, tablesUrl } from '../../../src/core/storage/location';
import { copyPaths, formatLocation } from '../../../src/core/storage/locationFormat';

const WS = 'a1b2c3d4-0000-4000-8000-0123456789ab';
const ITEM = 'f0e1d2c3-1111-4111-9111-abcdefabcdef';
const GLOBAL = 'https://onelake.blob.fabric.microsoft.com';
const WESTUS = 'https://westus-onelake.blob.fabric.microsoft.com';

describe('OneLake URL forms', () => {
  it.each([
    ['onelake://Sales Workspace/sales.Lakehouse', GLOBAL, 'Sales Workspace', 'sales.Lakehouse'],
    ['onelake://Sales%20Workspace/sales.Lakehouse', GLOBAL, 'Sales Workspace', 'sales.Lakehouse'],
    ['onelake://Sales Workspace/sales', GLOBAL, 'Sales Workspace', 'sales.Lakehouse'],
    [`onelake://${WS}/${ITEM}`, GLOBAL, WS, ITEM],
    [`abfss://${WS}@onelake.dfs.fabric.microsoft.com/${ITEM}`, GLOBAL, WS, ITEM],
    [
      'abfss://Sales Workspace@onelake.dfs.fabric.microsoft.com/sales.Lakehouse',
      GLOBAL,
      'Sales Workspace',
      'sales.Lakehouse',
    ],
    [
      'abfss://Sales%20Workspace@onelake.dfs.fabric.microsoft.com/sales.Lakehouse',
      GLOBAL,
      'Sales Workspace',
      'sales.Lakehouse',
    ],
    [`abfss://${WS}@westus-onelake.dfs.fabric.microsoft.com/${ITEM}`, WESTUS, WS, ITEM],
    [`https://onelake.dfs.fabric.microsoft.com/${WS}/${ITEM}`, GLOBAL, WS, ITEM],
    [`https://onelake.blob.fabric.microsoft.com/${WS}/${ITEM}`, GLOBAL, WS, ITEM],
    [
      'https://onelake.dfs.fabric.microsoft.com/Sales%20Workspace/sales.Lakehouse',
      GLOBAL,
      'Sales Workspace',
      'sales.Lakehouse',
    ],
    [`https://WestUS-onelake.dfs.fabric.microsoft.com/${WS}/${ITEM}`, WESTUS, WS, ITEM],
    [`https://westus-onelake.blob.fabric.microsoft.com/${WS}/sales.Lakehouse`, WESTUS, WS, 'sales.Lakehouse'],
  ])('%s', (text, accountUrl, container, item) => {
    expect(parseLocation(text)).toMatchObject({ kind: 'onelake', accountUrl, container, item });
  });

  it('keeps a GUID item without a type suffix, and adds .Lakehouse to a bare item name', () => {
    expect(parseLocation(`onelake://${WS}/${ITEM}`).item).toBe(ITEM);
    expect(parseLocation(`onelake://${WS}/Sales`).item).toBe('Sales.Lakehouse');
    expect(parseLocation(`onelake://${WS}/sales.Warehouse`).item).toBe('sales.Warehouse');
  });

  it('maps plain ADLS Gen2 / Blob accounts (dfs or blob, abfss or https) to the blob host', () => {
    for (const text of [
      'abfss://data@contoso.dfs.core.windows.net/lh.Lakehouse',
      'https://contoso.dfs.core.windows.net/data/lh.Lakehouse',
      'https://contoso.blob.core.windows.net/data/lh.Lakehouse',
    ]) {
      expect(parseLocation(text), text).toMatchObject({
        kind: 'blob',
        accountUrl: 'https://contoso.blob.core.windows.net',
        container: 'data',
        item: 'lh.Lakehouse',
      });
    }
  });

  it('splits a pasted URL that points inside the lakehouse into the lakehouse and the rest', () => {
    const files = parseLakehouseUrl(
      'https://onelake.dfs.fabric.microsoft.com/Sales%20Workspace/sales.Lakehouse/Files/raw/2026/orders.csv',
    );
    expect(files.rest).toBe('Files/raw/2026/orders.csv');
    expect(files.location).toMatchObject({ container: 'Sales Workspace', item: 'sales.Lakehouse' });
    expect(files.location.uri).toBe('https://onelake.dfs.fabric.microsoft.com/Sales%20Workspace/sales.Lakehouse');
    expect(parseLocation(files.location.uri)).toMatchObject(files.location);

    const tables = parseLakehouseUrl(`abfss://${WS}@westus-onelake.dfs.fabric.microsoft.com/${ITEM}/Tables/`);
    expect(tables.rest).toBe('Tables');
    expect(tables.location).toMatchObject({ accountUrl: WESTUS, container: WS, item: ITEM });
    expect(tables.location.uri).toBe(`abfss://${WS}@westus-onelake.dfs.fabric.microsoft.com/${ITEM}`);

    expect(parseLakehouseUrl('onelake://Sales Workspace/sales.Lakehouse/files/x').rest).toBe('Files/x');
    expect(parseLakehouseUrl('onelake://Sales Workspace/sales.Lakehouse').rest).toBeUndefined();
    // lakehouse.yml names the lakehouse itself: the message says which location to use.
    expect(() => parseLocation('onelake://Sales Workspace/sales.Lakehouse/Files/x')).toThrow(
      /points inside the lakehouse \(Files\/x\)/,
    );
    expect(() => parseLakehouseUrl('onelake://ws/lh.Lakehouse/Other/x')).toThrow(/expected Files\/ or Tables\//);
    expect(() => parseLakehouseUrl('onelake://ws/lh.Lakehouse/Files/../../x')).toThrow(/not a valid name/);
  });

  it('never keeps a query string (a pasted SAS) in the location', () => {
    const loc = parseLocation('https://contoso.blob.core.windows.net/data/lh.Lakehouse?sv=2024&sig=SECRET');
    expect(loc.uri).not.toContain('SECRET');
    expect(loc.uri).toBe('https://contoso.blob.core.windows.net/data/lh.Lakehouse');
  });

  it('refuses hosts that are neither OneLake nor a storage account', () => {
    for (const bad of [
      'abfss://ws@evil.example.com/lh.Lakehouse',
      'https://onelake.fabric.microsoft.com.evil.example/ws/lh',
      'https://xonelake.dfs.fabric.microsoft.com/ws/lh',
      'abfss://onelake.dfs.fabric.microsoft.com/lh',
      'onelake:///lh',
    ]) {
      expect(() => parseLakehouseUrl(bad), bad).toThrow(/Invalid lakehouse location/);
    }
  });

  it('stores the regional dfs host in the catalog data path', () => {
    expect(tablesUrl(parseLocation(`abfss://${WS}@westus-onelake.dfs.fabric.microsoft.com/${ITEM}`))).toBe(
      `abfss://${WS}@westus-onelake.dfs.fabric.microsoft.com/${ITEM}/Tables/`,
    );
  });
});

describe('formatLocation', () => {
  it.each([
    ['onelake', 'Sales Workspace', 'sales.Lakehouse', 'onelake://Sales Workspace/sales.Lakehouse'],
    ['onelake', '100% Sales #1', 'lh.Lakehouse', 'onelake://100%25 Sales %231/lh.Lakehouse'],
    [GLOBAL, WS, ITEM, `onelake://${WS}/${ITEM}`],
    [
      'https://westus-onelake.dfs.fabric.microsoft.com',
      WS,
      ITEM,
      `https://westus-onelake.dfs.fabric.microsoft.com/${WS}/${ITEM}`,
    ],
    [WESTUS + '/', 'My WS', 'lh.Lakehouse', 'https://westus-onelake.dfs.fabric.microsoft.com/My%20WS/lh.Lakehouse'],
    [
      'https://contoso.blob.core.windows.net',
      'data',
      'lh.Lakehouse',
      'https://contoso.dfs.core.windows.net/data/lh.Lakehouse',
    ],
    ['http://127.0.0.1:10000/devstoreaccount1', 'ws1', 'lh.Lakehouse', 'azurite://127.0.0.1:10000/ws1/lh.Lakehouse'],
  ])('%s + %s/%s', (endpoint, workspace, item, expected) => {
    const text = formatLocation(endpoint, workspace, item);
    expect(text).toBe(expected);
    // Round trip: the text names the same workspace and item on the same Blob API root.
    const loc = parseLocation(text);
    expect([loc.container, loc.item]).toEqual([workspace, item]);
    if (endpoint !== 'onelake' && !endpoint.includes('127.0.0.1'))
      expect(loc.accountUrl).toBe(new URL(endpoint).origin.replace('.dfs.', '.blob.'));
  });

  it('refuses an endpoint that is not a URL or not a storage host', () => {
    expect(() => formatLocation('nowhere', 'ws', 'lh')).toThrow(/not an endpoint URL/);
    expect(() => formatLocation('https://example.com', 'ws', 'lh')).toThrow(/Invalid lakehouse location/);
  });
});

describe('copyPaths', () => {
  it('gives abfss, https and relative forms for OneLake, regional hosts kept', () => {
    expect(copyPaths(parseLocation('onelake://Sales Workspace/sales.Lakehouse'), 'Files/metadata.db')).toEqual({
      abfss: 'abfss://Sales%20Workspace@onelake.dfs.fabric.microsoft.com/sales.Lakehouse/Files/metadata.db',
      https: 'https://onelake.dfs.fabric.microsoft.com/Sales%20Workspace/sales.Lakehouse/Files/metadata.db',
      relative: 'Files/metadata.db',
    });
    const regional = copyPaths(parseLocation(`https://westus-onelake.blob.fabric.microsoft.com/${WS}/${ITEM}`));
    expect(regional).toEqual({
      abfss: `abfss://${WS}@westus-onelake.dfs.fabric.microsoft.com/${ITEM}`,
      https: `https://westus-onelake.dfs.fabric.microsoft.com/${WS}/${ITEM}`,
      relative: '',
    });
    // What Copy Path gives back parses to the same lakehouse and path.
    const back = parseLakehouseUrl(
      copyPaths(parseLocation('onelake://Sales Workspace/sales.Lakehouse'), 'Tables/main/t').abfss!,
    );
    expect(back).toMatchObject({
      location: { container: 'Sales Workspace', item: 'sales.Lakehouse' },
      rest: 'Tables/main/t',
    });
  });

  it('gives the emulator its own http URL and no abfss form', () => {
    expect(copyPaths(parseLocation('azurite://127.0.0.1:10000/ws1/lh.Lakehouse'), 'Files/a b.csv')).toEqual({
      https: 'http://127.0.0.1:10000/devstoreaccount1/ws1/lh.Lakehouse/Files/a%20b.csv',
      relative: 'Files/a b.csv',
    });
    expect(() => copyPaths(parseLocation('onelake://ws/lh'), '../x')).toThrow(/leaves the lakehouse/);
  });
});

describe('LAKEHOUSE_ONELAKE_ENDPOINT (testing aid)', () => {
  it('serves OneLake locations from a loopback endpoint, and nothing else', () => {
    const endpoint = oneLakeEndpointOverride({ LAKEHOUSE_ONELAKE_ENDPOINT: 'http://127.0.0.1:43210/' });
    expect(endpoint).toBe('http://127.0.0.1:43210');
    expect(blobServiceUrl(parseLocation('onelake://ws/lh'), endpoint)).toBe('http://127.0.0.1:43210');
    expect(
      blobServiceUrl(parseLocation(`https://westus-onelake.dfs.fabric.microsoft.com/${WS}/${ITEM}`), endpoint),
    ).toBe('http://127.0.0.1:43210');
    expect(blobServiceUrl(parseLocation('https://contoso.blob.core.windows.net/d/lh'), endpoint)).toBe(
      'https://contoso.blob.core.windows.net',
    );
    expect(blobServiceUrl(parseLocation('onelake://ws/lh'), undefined)).toBe(GLOBAL);
    expect(oneLakeEndpointOverride({})).toBeUndefined();
    expect(() => oneLakeEndpointOverride({ LAKEHOUSE_ONELAKE_ENDPOINT: 'https://evil.example.com' })).toThrow(
      /must point at a loopback address/,
    );
  });
});
