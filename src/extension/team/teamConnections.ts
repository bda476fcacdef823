import * as vscode from 'vscode';
import type { LakehouseEntry } from '../../core/config/lakehouseConfig';
import { CancelledError, ConfigError } from '../../core/errors';
import type { LakehouseConfigService } from '../lakehouseConfig';
import type { Logger } from '../log';

const PREFIX = 'lakehouse.postgresConnection:';

/**
 * PostgreSQL catalog connections in VS Code's SecretStorage, keyed by the
 * variable name lakehouse.yml gives (`connection_env`); the process
 * environment is the fallback, as for the CLI. Never in settings or logs.
 */
export class TeamConnections {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  onDidChange(listener: () => void): vscode.Disposable {
    return this.secrets.onDidChange((e) => e.key.startsWith(PREFIX) && listener());
  }

  async connectionFor(entry: LakehouseEntry): Promise<string | undefined> {
    if (entry.catalogStore?.kind !== 'postgres') return undefined;
    const name = entry.catalogStore.connectionEnv;
    return (await this.secrets.get(PREFIX + name)) ?? (process.env[name]?.trim() || undefined);
  }

  async set(entry: LakehouseEntry, text: string): Promise<void> {
    if (entry.catalogStore?.kind !== 'postgres') throw new ConfigError(`'${entry.name}' has no PostgreSQL catalog.`);
    await this.secrets.store(PREFIX + entry.catalogStore.connectionEnv, text.trim());
  }
}

export async function setPostgresConnectionCommand(
  deps: { config: LakehouseConfigService; connections: TeamConnections; log: Logger },
  node?: unknown,
): Promise<void> {
  const fromNode = (node as { entry?: LakehouseEntry } | undefined)?.entry;
  let entry = fromNode?.catalogStore?.kind === 'postgres' ? fromNode : undefined;
  if (!entry) {
    const candidates = (await deps.config.load()).entries.filter((e) => e.catalogStore?.kind === 'postgres');
    if (candidates.length === 0)
      throw new ConfigError(
        'No lakehouse in lakehouse.yml has a PostgreSQL catalog.',
        "Add catalog: { type: postgres, connection_env: LAKEHOUSE_PG_<NAME> } to its entry, or run 'lakehouse catalog migrate <lakehouse> --to postgres'.",
      );
    const pick =
      candidates.length === 1
        ? { entry: candidates[0]! }
        : await vscode.window.showQuickPick(
            candidates.map((e) => ({ label: e.name, description: 'PostgreSQL catalog', entry: e })),
            { title: 'Set PostgreSQL Catalog Connection' },
          );
    if (!pick) throw new CancelledError('Set PostgreSQL Catalog Connection');
    entry = pick.entry;
  }
  const text = await vscode.window.showInputBox({
    title: `PostgreSQL catalog connection for ${entry.name}`,
    prompt:
      'host=… port=5432 dbname=… user=… password=…, or postgresql://… (kept in the OS keychain, never in settings)',
    password: true,
    ignoreFocusOut: true,
  });
  if (!text) throw new CancelledError('Set PostgreSQL Catalog Connection');
  await deps.connections.set(entry, text);
  deps.log.info(`Stored the PostgreSQL catalog connection for ${entry.name}`);
  void vscode.window.showInformationMessage(
    `Stored the PostgreSQL connection for ${entry.name} in VS Code's secret storage.`,
  );
}
