import { ConfigError } from '../errors';

/**
 * A storage secret for a plain ADLS Gen2 / Blob account or the emulator, as
 * the user pastes it: a connection string with an account key, or a SAS
 * token. Kept in VS Code's SecretStorage, never in settings or logs.
 */
export type StorageSecret = { kind: 'accountKey'; account: string; key: string } | { kind: 'sas'; sas: string };

export function parseStorageSecret(text: string): StorageSecret {
  const value = text.trim();
  if (/(^|;)\s*AccountName=/i.test(value)) {
    const parts = new Map<string, string>();
    for (const pair of value.split(';')) {
      const eq = pair.indexOf('=');
      if (eq > 0) parts.set(pair.slice(0, eq).trim().toLowerCase(), pair.slice(eq + 1).trim());
    }
    const account = parts.get('accountname');
    const key = parts.get('accountkey');
    const sas = parts.get('sharedaccesssignature');
    if (account && key) return { kind: 'accountKey', account, key };
    if (sas) return { kind: 'sas', sas: sas.replace(/^\?/, '') };
    throw new ConfigError('The connection string has no AccountKey or SharedAccessSignature.');
  }
  const sas = value.replace(/^\?/, '');
  if (/(^|&)sig=/.test(sas) && /(^|&)sv=/.test(sas)) return { kind: 'sas', sas };
  throw new ConfigError(
    'Not a storage connection string or SAS token.',
    'Paste "DefaultEndpointsProtocol=https;AccountName=…;AccountKey=…" or a SAS token such as "sv=…&sig=…".',
  );
}

/** What may be said about a secret in messages: its kind and account, never its value. */
export function describeStorageSecret(secret: StorageSecret): string {
  return secret.kind === 'accountKey' ? `account key for ${secret.account}` : 'SAS token';
}
