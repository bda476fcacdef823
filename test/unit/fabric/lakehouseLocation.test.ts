import { describe, expect, it } from 'vitest';
import { copyPathsOf, discoveredLocation, pastedLakehouseUrl } from '../../../src/core/fabric';
import { parseLocation } from '../../../src/core/storage/location';

const WS = { id: 'aaaaaaaa-0000-0000-0000-000000000001', displayName: 'Sales', type: 'Workspace' };
const LH = { id: 'bbbbbbbb-0000-0000-0000-000000000002', displayName: 'sales', type: 'Lakehouse', workspaceId: WS.id };

describe('discovered lakehouse locations', () => {
  it('uses the workspace regional blob endpoint with GUIDs', () => {
    const location = discoveredLocation(
      {
        ...WS,
        oneLakeEndpoints: {
          blobEndpoint: 'https://westeurope-onelake.blob.fabric.microsoft.com',
          dfsEndpoint: 'https://westeurope-onelake.dfs.fabric.microsoft.com',
        },
      },
      LH,
    );
    expect(location).toMatchObject({
      kind: 'onelake',
      accountUrl: 'https://westeurope-onelake.blob.fabric.microsoft.com',
      container: WS.id,
      item: LH.id,
      uri: `abfss://${WS.id}@westeurope-onelake.dfs.fabric.microsoft.com/${LH.id}`,
    });
    // What we write to lakehouse.yml reads back as the same workspace and item.
    expect(parseLocation(location.uri)).toMatchObject({ kind: 'onelake', container: WS.id, item: LH.id });
  });

  it('treats a loopback emulator endpoint as Azurite', () => {
    const location = discoveredLocation(
      {
        ...WS,
        id: 'ws1',
        oneLakeEndpoints: {
          blobEndpoint: 'http://127.0.0.1:10000/devstoreaccount1/',
          dfsEndpoint: 'http://127.0.0.1:10000/devstoreaccount1',
        },
      },
      { ...LH, id: 'lh1' },
    );
    expect(location.kind).toBe('azurite');
    expect(parseLocation(location.uri)).toMatchObject({ kind: 'azurite', container: 'ws1', item: 'lh1' });
  });
});

describe('pasted OneLake URLs', () => {
  it.each([
    ['abfss://Sales@onelake.dfs.fabric.microsoft.com/sales.Lakehouse/Files/raw', 'Sales', 'sales.Lakehouse'],
    [`abfss://${WS.id}@onelake.dfs.fabric.microsoft.com/${LH.id}`, WS.id, LH.id],
    ['https://onelake.dfs.fabric.microsoft.com/Sales/sales.Lakehouse/Tables/dbo/orders', 'Sales', 'sales.Lakehouse'],
    ['https://westus-onelake.blob.fabric.microsoft.com/My%20WS/lake.Lakehouse', 'My WS', 'lake.Lakehouse'],
  ])('%s', (text, workspace, item) => {
    const parsed = pastedLakehouseUrl(text);
    expect(parsed).toMatchObject({ workspace, item });
    expect(parseLocation(parsed!.location)).toMatchObject({ kind: 'onelake', container: workspace, item });
  });

  it('refuses what is not OneLake', () => {
    expect(pastedLakehouseUrl('https://example.com/a/b')).toBeUndefined();
    expect(pastedLakehouseUrl('abfss://ws@onelake.dfs.fabric.microsoft.com/')).toBeUndefined();
    expect(pastedLakehouseUrl('not a url')).toBeUndefined();
  });
});

describe('Copy Path', () => {
  it('gives abfss, https and relative forms', () => {
    const location = parseLocation('onelake://Sales/sales.Lakehouse');
    expect(copyPathsOf(location, 'Tables/main/orders')).toEqual({
      abfss: 'abfss://Sales@onelake.dfs.fabric.microsoft.com/sales.Lakehouse/Tables/main/orders',
      https: 'https://onelake.dfs.fabric.microsoft.com/Sales/sales.Lakehouse/Tables/main/orders',
      relative: 'Tables/main/orders',
    });
  });
});
