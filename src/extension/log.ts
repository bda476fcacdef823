import * as vscode from 'vscode';

/** The one log of the extension: a LogOutputChannel (levels, timestamps, user-controlled verbosity). */
export type Logger = Pick<vscode.LogOutputChannel, 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'show'>;

export function createLogger(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel('Lakehouse Dev', { log: true });
}
