import { describe, expect, it } from 'vitest';
import { credentialInLocation, redactSecrets } from '../../../src/core/config/credentials';
import { resolveEntries } from '../../../src/core/config/lakehouseConfig';

describe('credentials in locations', () => {
  it.each([
    ['https://a.blob.core.windows.net/c/i?sv=2024-08-04&sig=SECRET', 'a SAS token or access token (query string)'],
    ['onelake://ws/i.Lakehouse?se=2026&sig=SECRET', 'a SAS token or access token (query string)'],
    ['azurite://127.0.0.1:1/c/i;AccountKey=SECRET', 'an account key or connection string'],
    ['abfss://ws:SECRET@onelake.dfs.fabric.microsoft.com/i.Lakehouse', 'a password'],
  ])('finds the kind of credential in %s without returning it', (location, kind) => {
    expect(credentialInLocation(location)).toBe(kind);
  });

  it.each([
    'onelake://Sales/sales.Lakehouse',
    'abfss://ws@onelake.dfs.fabric.microsoft.com/sales.Lakehouse',
    'azurite://127.0.0.1:10000/ws/x.Lakehouse',
    'https://acct.blob.core.windows.net/c/i.Lakehouse',
  ])('accepts a plain location %s', (location) => {
    expect(credentialInLocation(location)).toBeUndefined();
  });

  it('refuses such a location in config without echoing it', () => {
    const error = (() => {
      try {
        resolveEntries([{ name: 'x', location: 'https://a.blob.core.windows.net/c/i?sig=SECRET' }], 'lakehouse.yml');
      } catch (e) {
        return e as Error & { code: string; hint?: string };
      }
    })();
    expect(error?.code).toBe('config');
    expect(error?.message).toBe(
      'lakehouse.yml lakehouses[0]: the location carries a SAS token or access token (query string); credentials are never read from a location (it is shown in outputs, logs and .lakehouse/ state files).',
    );
    expect(`${error?.message} ${error?.hint}`).not.toContain('SECRET');
  });

  it('redacts SAS signatures, keys, URL passwords and bearer tokens in any text', () => {
    expect(redactSecrets('GET https://a/c/b?sv=1&sig=abc%2Fdef&se=2 failed')).toBe(
      'GET https://a/c/b?sv=1&sig=<redacted>&se=2 failed',
    );
    expect(redactSecrets('DefaultEndpointsProtocol=https;AccountName=a;AccountKey=k3y==;')).toBe(
      'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=<redacted>;',
    );
    expect(redactSecrets('abfss://ws:pw@host/x')).toBe('abfss://ws:<redacted>@host/x');
    expect(redactSecrets('Authorization: Bearer abc.def-ghi')).toBe('Authorization: Bearer <redacted>');
    expect(redactSecrets('plain text, onelake://ws/i.Lakehouse')).toBe('plain text, onelake://ws/i.Lakehouse');
  });

  it('keeps JSON valid when a secret sits inside a JSON string', () => {
    const json = JSON.stringify({ error: { message: 'connect "host=db password=s3cr3t" failed', dsn: 'Pwd=x;' } });
    const redacted = redactSecrets(json);
    expect(redacted).not.toContain('s3cr3t');
    expect(JSON.parse(redacted)).toEqual({
      error: { message: 'connect "host=db password=<redacted>" failed', dsn: 'Pwd=<redacted>;' },
    });
  });
});
