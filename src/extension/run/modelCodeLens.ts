import * as vscode from 'vscode';
import type { MirrorBusyStore } from '../mirrorBusy';

/**
 * ▶ Run · +Upstream · +Downstream · Preview · Run Query at the top of every model file.
 * While an operation of this window uses a lakehouse mirror, the Run lenses give way to Preview only.
 */
export class ModelCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subscription?: { dispose(): void };

  constructor(private readonly busy?: MirrorBusyStore) {
    this.subscription = busy?.onDidChange(() => this.changed.fire());
  }

  dispose(): void {
    this.subscription?.dispose();
    this.changed.dispose();
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.isTrusted || !/[\\/]models[\\/].+\.sql$/.test(document.uri.fsPath)) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    const preview = new vscode.CodeLens(top, {
      title: '$(eye) Preview',
      tooltip: "The model's table in the working catalog, in the results view",
      command: 'lakehouse.previewModel',
      arguments: [document.uri],
    });
    if ((this.busy?.busy().length ?? 0) > 0) return [preview];
    return [
      new vscode.CodeLens(top, {
        title: '$(play) Run Model',
        command: 'lakehouse.runModel',
        arguments: [document.uri],
      }),
      new vscode.CodeLens(top, {
        title: '+Upstream',
        command: 'lakehouse.runModelUpstream',
        arguments: [document.uri],
      }),
      new vscode.CodeLens(top, {
        title: '+Downstream',
        command: 'lakehouse.runModelDownstream',
        arguments: [document.uri],
      }),
      preview,
    ];
  }
}
