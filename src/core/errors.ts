/**
 * Every error the core raises for a user to act on. `code` is stable (CLI exit
 * codes, JSON output and tests key on it); `hint` says what to do next.
 */
export class LakehouseError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The user (or a cancellation token) stopped the operation: report nothing as a failure. */
export class CancelledError extends LakehouseError {
  constructor(what = 'Operation') {
    super('cancelled', `${what} was cancelled.`);
  }
}

export class ConfigError extends LakehouseError {
  constructor(message: string, hint?: string) {
    super('config', message, hint);
  }
}

export function isCancelled(error: unknown): boolean {
  return error instanceof CancelledError || (error instanceof Error && error.name === 'AbortError');
}

/** One line for logs and notifications, with the hint when there is one. */
export function describeError(error: unknown): string {
  if (error instanceof LakehouseError) return error.hint ? `${error.message} ${error.hint}` : error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}
