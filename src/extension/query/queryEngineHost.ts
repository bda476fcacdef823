import type * as vscode from 'vscode';
import type { QueryEngine } from '../../core/query/types';

/**
 * The extension's one query engine, started on the first query (not at
 * activation: most sessions never query) and stopped with the extension.
 */
export class LazyQueryEngine implements vscode.Disposable {
  private engine: QueryEngine | undefined;

  constructor(private readonly create: () => QueryEngine) {}

  get(): QueryEngine {
    this.engine ??= this.create();
    return this.engine;
  }

  /** The running engine, if any (for its pid), without starting one. */
  peek(): QueryEngine | undefined {
    return this.engine;
  }

  dispose(): void {
    const engine = this.engine;
    this.engine = undefined;
    void engine?.close();
  }
}
