import * as vscode from 'vscode';
import type { LakehouseEntry } from '../core/config/lakehouseConfig';
import { describeStorageSecret, parseStorageSecret } from '../core/config/storageSecret';
import { CancelledError, ConfigError } from '../core/errors';
import type { StorageAuth } from '../core/storage/blobStore';
import type { LakehouseConfigService } from './lakehouseConfig';
import type { Logger } from './log';

const PREFIX = 'lakehouse.storageSecret:';

/**
 * Account keys for plain ADLS Gen2 / Blob accounts (and a non-default
 * emulator account), kept in VS Code's SecretStorage (the OS keychain) per
 * account URL: never in settings, never logged. OneLake takes Entra only.
 */
export class StorageSecrets {
  readonly onDidChange: vscode.Event<unknown>;

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.onDidChange = (listener, thisArgs, disposables) =>
      secrets.onDidChange((e) => e.key.startsWith(PREFIX) && listener.call(thisArgs, e), undefined, disposables);
  }

  async authFor(entry: LakehouseEntry): Promise<StorageAuth | undefined> {
    if (entry.location.kind === 'onelake') return undefined;
    const text = await this.secrets.get(PREFIX + entry.location.accountUrl);
    if (!text) return undefined;
    const secret = parseStorageSecret(text);
    return secret.kind === 'accountKey' ? { kind: 'sharedKey', account: secret.account, key: secret.key } : undefined;
  }

  async set(entry: LakehouseEntry, text: string): Promise<string> {
    const secret = parseStorageSecret(text);
    if (secret.kind === 'sas')
      throw new ConfigError(
        'SAS tokens are not supported yet.',
        'Use a connection string with AccountKey, or sign in with Microsoft Entra.',
      );
    await this.secrets.store(PREFIX + entry.location.accountUrl, text.trim());
    return describeStorageSecret(secret);
  }

  async clear(entry: LakehouseEntry): Promise<boolean> {
    const key = PREFIX + entry.location.accountUrl;
    const had = (await this.secrets.get(key)) !== undefined;
    await this.secrets.delete(key);
    return had;
  }
}

async function pickStorageLakehouse(config: LakehouseConfigService, title: string): Promise<LakehouseEntry> {
  const { entries } = await config.load();
  const candidates = entries.filter((e) => e.location.kind !== 'onelake');
  if (candidates.length === 0)
    throw new ConfigError(
      'No lakehouse on a plain Blob account or the emulator is configured.',
      'OneLake takes Microsoft Entra sign-in only; connection strings are for ADLS Gen2 / Blob accounts.',
    );
  if (candidates.length === 1) return candidates[0]!;
  const pick = await vscode.window.showQuickPick(
    candidates.map((entry) => ({ label: entry.name, description: entry.location.accountUrl, entry })),
    { title, placeHolder: 'Which lakehouse’s storage account?' },
  );
  if (!pick) throw new CancelledError(title);
  return pick.entry;
}

export async function setStorageSecretCommand(
  deps: { config: LakehouseConfigService; secrets: StorageSecrets; log: Logger },
  node?: unknown,
): Promise<void> {
  const fromNode = (node as { entry?: LakehouseEntry } | undefined)?.entry;
  const entry =
    fromNode && fromNode.location.kind !== 'onelake'
      ? fromNode
      : await pickStorageLakehouse(deps.config, 'Set Storage Connection String');
  const text = await vscode.window.showInputBox({
    title: `Storage connection string for ${new URL(entry.location.accountUrl).host}`,
    prompt: 'DefaultEndpointsProtocol=https;AccountName=…;AccountKey=… (kept in the OS keychain, never in settings)',
    password: true,
    ignoreFocusOut: true,
  });
  if (!text) throw new CancelledError('Set Storage Connection String');
  const what = await deps.secrets.set(entry, text);
  deps.log.info(`Stored an ${what} for ${entry.location.accountUrl}`);
  void vscode.window.showInformationMessage(`Stored the ${what} in VS Code's secret storage.`);
}

export async function clearStorageSecretCommand(
  deps: { config: LakehouseConfigService; secrets: StorageSecrets; log: Logger },
  node?: unknown,
): Promise<void> {
  const fromNode = (node as { entry?: LakehouseEntry } | undefined)?.entry;
  const entry =
    fromNode && fromNode.location.kind !== 'onelake'
      ? fromNode
      : await pickStorageLakehouse(deps.config, 'Clear Storage Connection String');
  const had = await deps.secrets.clear(entry);
  deps.log.info(`Cleared the stored secret for ${entry.location.accountUrl}`);
  void vscode.window.showInformationMessage(
    had ? `Removed the stored secret for ${entry.location.accountUrl}.` : 'No secret was stored for that account.',
  );
}
