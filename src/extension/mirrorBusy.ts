/**
 * Which lakehouses' local mirrors (`.lakehouse/<name>/`) this window is working
 * on right now: Run Models, Pull, Reset, Publish, Build, Test and Export Delta
 * mark theirs for as long as they run. The editor turns this into context keys
 * (`lakehouse.mirrorBusy`, `lakehouse.busyMirrors`) and a `lakehouse.busy` tree
 * item, so commands that would take the same mirror lock are not offered while
 * one runs (the lock in core/lake/mirrorLock.ts still refuses the CLI and other
 * windows). No `vscode` import, so it unit-tests.
 */
export interface MirrorOperation {
  what: string;
  since: Date;
}

/** Context key: true while any mirror of this window is busy (palette, editor title, CodeLens). */
export const MIRROR_BUSY_KEY = 'lakehouse.mirrorBusy';
/** Context key: the names of the busy lakehouses. */
export const BUSY_MIRRORS_KEY = 'lakehouse.busyMirrors';

/**
 * Commands that take a lakehouse's mirror lock (directly, or through a run);
 * test/unit/extension/mirrorBusy.test.ts checks each one's `when` clauses in package.json.
 */
export const MIRROR_COMMANDS = [
  'lakehouse.runModels',
  'lakehouse.runAllModels',
  'lakehouse.runModel',
  'lakehouse.runModelUpstream',
  'lakehouse.runModelDownstream',
  'lakehouse.testModels',
  'lakehouse.build',
  'lakehouse.pull',
  'lakehouse.resetLocal',
  'lakehouse.publish',
  'lakehouse.exportDelta',
] as const;

export class MirrorBusyStore {
  private readonly running = new Map<string, MirrorOperation[]>();
  private readonly listeners = new Set<() => void>();

  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  isBusy(lakehouse: string): boolean {
    return this.running.has(lakehouse);
  }

  /** The lakehouses with at least one operation running, sorted. */
  busy(): string[] {
    return [...this.running.keys()].sort();
  }

  /** The oldest operation still running on a lakehouse's mirror. */
  current(lakehouse: string): MirrorOperation | undefined {
    return this.running.get(lakehouse)?.[0];
  }

  /**
   * Marks the mirror busy while `work` runs, however it ends (success, failure,
   * cancel). Operations nest: the mirror is free again only when the last ends.
   */
  async run<T>(lakehouse: string, what: string, work: () => PromiseLike<T> | T): Promise<T> {
    const op: MirrorOperation = { what, since: new Date() };
    const ops = this.running.get(lakehouse) ?? [];
    this.running.set(lakehouse, [...ops, op]);
    this.emit();
    try {
      return await work();
    } finally {
      const left = (this.running.get(lakehouse) ?? []).filter((o) => o !== op);
      if (left.length > 0) this.running.set(lakehouse, left);
      else this.running.delete(lakehouse);
      this.emit();
    }
  }

  private emit(): void {
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch {
        // A listener's failure (a disposed view) must not keep a mirror marked busy.
      }
    }
  }
}
