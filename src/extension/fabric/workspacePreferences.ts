import type * as vscode from 'vscode';

const PINNED = 'lakehouse.fabric.pinnedWorkspaces';
const FILTER = 'lakehouse.fabric.workspaceFilter';

/** Pinned workspaces and the workspace filter, per user (globalState), not per project. */
export class WorkspacePreferences {
  constructor(private readonly memento: vscode.Memento) {}

  pinned(): string[] {
    return this.memento.get<string[]>(PINNED, []);
  }

  async pin(workspaceId: string, pinned: boolean): Promise<void> {
    const rest = this.pinned().filter((id) => id !== workspaceId);
    await this.memento.update(PINNED, pinned ? [...rest, workspaceId] : rest);
  }

  filter(): string {
    return this.memento.get<string>(FILTER, '');
  }

  async setFilter(text: string): Promise<void> {
    await this.memento.update(FILTER, text.trim() || undefined);
  }
}
