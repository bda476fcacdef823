import { CancelledError } from '../errors';

/**
 * How long work reports progress. The extension maps it to `withProgress`,
 * the CLI to lines on stderr; core never knows which.
 */
export interface Progress {
  report(update: { message?: string; increment?: number }): void;
}

export const silentProgress: Progress = { report() {} };

/** Throws a CancelledError when the signal has fired; call between steps. */
export function throwIfCancelled(signal: AbortSignal | undefined, what?: string): void {
  if (signal?.aborted) throw new CancelledError(what);
}
