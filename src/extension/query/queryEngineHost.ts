import type * as vscode from 'vscode';
import type { QueryEngineClient } from '../../core/engine/client';

/**
 * The extension's one query engine, started on the first query (not at
 * activation: most sessions never query) and stopped with the extension.
 */
export class LazyQueryEngine implements vscode.Disposable {
  private engine: QueryEngineClient | undefined;

  constructor(private readonly create: () => QueryEngineClient) {}

  get(): QueryEngineClient {
    this.engine ??= this.create();
    return this.engine;
  }

  /** The running engine, if any (for its pid), without starting one. */
  peek(): QueryEngineClient | undefined {
    return this.engine;
  }

  /** Settings that apply to the running engine and the next one. */
  configure(change: { stalenessMs: number }): void {
    if (this.engine) this.engine.stalenessMs = change.stalenessMs;
  }

  dispose(): void {
    const engine = this.engine;
    this.engine = undefined;
    void engine?.close();
  }
}
