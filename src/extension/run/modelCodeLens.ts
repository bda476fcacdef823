import * as vscode from 'vscode';

/** ▶ Run · +Upstream · +Downstream · Preview · Run Query at the top of every model file. */
export class ModelCodeLensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.isTrusted || !/[\\/]models[\\/].+\.sql$/.test(document.uri.fsPath)) return [];
    const top = new vscode.Range(0, 0, 0, 0);
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
      new vscode.CodeLens(top, {
        title: '$(eye) Preview',
        tooltip: "The model's table in the working catalog, in the results view",
        command: 'lakehouse.previewModel',
        arguments: [document.uri],
      }),
    ];
  }
}
