import * as vscode from 'vscode';
import {
  CONFIG_FILE,
  parseLakehouseFile,
  resolveEntries,
  type LakehouseEntry,
  type RawLakehouseEntry,
} from '../core/config/lakehouseConfig';
import { describeError } from '../core/errors';
import type { Logger } from './log';

export interface ConfiguredLakehouses {
  entries: LakehouseEntry[];
  /** Problems found (bad YAML, bad location): shown in the tree, not as pop-ups on every refresh. */
  problems: string[];
}

/**
 * The lakehouses of this window: every workspace folder's lakehouse.yml plus
 * the lakehouse.locations setting. Nothing is read in Restricted Mode.
 */
export class LakehouseConfigService implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly log: Logger) {
    const watcher = vscode.workspace.createFileSystemWatcher(`**/${CONFIG_FILE}`);
    this.disposables.push(
      watcher,
      watcher.onDidChange(() => this.changed.fire()),
      watcher.onDidCreate(() => this.changed.fire()),
      watcher.onDidDelete(() => this.changed.fire()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('lakehouse')) this.changed.fire();
      }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.changed.fire()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.changed.fire()),
    );
  }

  async load(): Promise<ConfiguredLakehouses> {
    const problems: string[] = [];
    const entries: LakehouseEntry[] = [];
    if (!vscode.workspace.isTrusted) return { entries, problems };
    const staleDefault = vscode.workspace.getConfiguration('lakehouse').get<string>('lease.staleAfter', '12h');
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const uri = vscode.Uri.joinPath(folder.uri, CONFIG_FILE);
      let text: string;
      try {
        text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
      } catch {
        continue; // no lakehouse.yml in this folder
      }
      try {
        entries.push(...parseLakehouseFile(text, vscode.workspace.asRelativePath(uri), staleDefault));
      } catch (error) {
        problems.push(describeError(error));
      }
    }
    const fromSettings = vscode.workspace.getConfiguration('lakehouse').get<RawLakehouseEntry[]>('locations', []);
    try {
      const known = new Set(entries.map((e) => e.name));
      entries.push(
        ...resolveEntries(fromSettings, 'setting lakehouse.locations', staleDefault).filter((e) => !known.has(e.name)),
      );
    } catch (error) {
      problems.push(describeError(error));
    }
    for (const problem of problems) this.log.warn(problem);
    // lakehouse.export.iceberg is the default for lakehouses whose entry does not say.
    const iceberg = vscode.workspace.getConfiguration('lakehouse').get<boolean>('export.iceberg', false);
    return { entries: entries.map((e) => (e.iceberg === undefined ? { ...e, iceberg } : e)), problems };
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
