import { describe, expect, it } from 'vitest';
import { discoveredLocation, pastedLakehouseUrl } from '../../../src/core/fabric';
import { parseLocation } from '../../../src/core/storage/location';

const WS = { id: 'aaaaaaaa-0000-0000-0000-000000000001', displayName: 'Sales', type: 'Workspace' };
const LH = { id: 'bbbbbbbb-0000-0000-0000-000000000002', displayName: 'sales', type: 'Lakehouse', workspaceId: WS.id };

describe('discovered lakehouse locations', () => {
  it("uses the workspace's regional OneLake endpoint, by GUID", () => {
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
    });
    // What Add Lakehouse writes reads back as the same place.
    expect(parseLocation(location.uri)).toMatchObject({
      accountUrl: location.accountUrl,
      container: WS.id,
      item: LH.id,
    });
  });

  it('uses the global host when the workspace reports none, or one this product cannot use', () => {
    for (const oneLakeEndpoints of [
      undefined,
      { blobEndpoint: 'http://evil.example', dfsEndpoint: 'http://evil.example' },
    ]) {
      const location = discoveredLocation({ ...WS, oneLakeEndpoints }, LH);
      expect(location).toMatchObject({ kind: 'onelake', accountUrl: 'https://onelake.blob.fabric.microsoft.com' });
      expect(location.uri).toBe(`onelake://${WS.id}/${LH.id}`);
    }
  });
});

describe('pasted lakehouse URLs (Add Lakehouse)', () => {
  it.each([
    ['abfss://Sales@onelake.dfs.fabric.microsoft.com/sales.Lakehouse/Files/raw', 'Sales', 'sales.Lakehouse'],
    [`abfss://${WS.id}@onelake.dfs.fabric.microsoft.com/${LH.id}`, WS.id, LH.id],
    ['https://onelake.dfs.fabric.microsoft.com/Sales/sales.Lakehouse/Tables/dbo/orders', 'Sales', 'sales.Lakehouse'],
    ['https://westus-onelake.blob.fabric.microsoft.com/My%20WS/lake.Lakehouse', 'My WS', 'lake.Lakehouse'],
  ])('%s', (text, workspace, item) => {
    const parsed = pastedLakehouseUrl(text);
    expect(parsed).toMatchObject({ workspace, item });
    // The entry names the lakehouse itself, never a path inside it.
    expect(parseLocation(parsed!.location)).toMatchObject({ container: workspace, item });
  });

  it('refuses what is not a lakehouse URL', () => {
    expect(pastedLakehouseUrl('https://example.com/a/b')).toBeUndefined();
    expect(pastedLakehouseUrl('abfss://ws@onelake.dfs.fabric.microsoft.com/')).toBeUndefined();
    expect(pastedLakehouseUrl('not a url')).toBeUndefined();
  });
});
