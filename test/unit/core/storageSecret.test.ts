import { describe, expect, it } from 'vitest';
import { describeStorageSecret, parseStorageSecret } from '../../../src/core/config/storageSecret';

describe('storage secrets', () => {
  it('reads an account key connection string', () => {
    const secret = parseStorageSecret(
      'DefaultEndpointsProtocol=https;AccountName=contoso;AccountKey=a2V5PT0=;EndpointSuffix=core.windows.net',
    );
    expect(secret).toEqual({ kind: 'accountKey', account: 'contoso', key: 'a2V5PT0=' });
    expect(describeStorageSecret(secret)).toBe('account key for contoso');
  });

  it('reads a SAS token, bare or in a connection string', () => {
    expect(parseStorageSecret('?sv=2022-11-02&ss=b&sig=abc%3D')).toEqual({
      kind: 'sas',
      sas: 'sv=2022-11-02&ss=b&sig=abc%3D',
    });
    expect(
      parseStorageSecret('BlobEndpoint=https://c.blob.core.windows.net;AccountName=c;SharedAccessSignature=sv=1&sig=x'),
    ).toEqual({ kind: 'sas', sas: 'sv=1&sig=x' });
  });

  it('refuses anything else without echoing it', () => {
    expect(() => parseStorageSecret('hunter2')).toThrow(/Not a storage connection string or SAS token\.$/);
    expect(() => parseStorageSecret('AccountName=c')).toThrow(/no AccountKey/);
  });
});
