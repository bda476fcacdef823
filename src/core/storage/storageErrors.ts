import { LakehouseError } from '../errors';

/** The Azure error code (`LeaseAlreadyPresent`, `ConditionNotMet`, …) and HTTP status of a storage failure. */
export function storageError(error: unknown): { status?: number; code?: string } {
  if (typeof error !== 'object' || error === null) return {};
  const e = error as { statusCode?: number; code?: string; details?: { errorCode?: string } };
  return { status: e.statusCode, code: e.details?.errorCode ?? e.code };
}

export function isStorageCode(error: unknown, ...codes: string[]): boolean {
  const { code } = storageError(error);
  return code !== undefined && codes.includes(code);
}

/** Wraps an unexpected storage failure in a message that names what was being done, without secrets. */
export class StorageError extends LakehouseError {
  constructor(action: string, error: unknown) {
    const { status, code } = storageError(error);
    const detail = code ?? (error instanceof Error ? error.message.split('\n')[0] : String(error));
    super(
      'storage',
      `Could not ${action}: ${detail}${status ? ` (HTTP ${status})` : ''}.`,
      status === 403 || status === 401
        ? 'Check that you are signed in with an account that can write to this lakehouse.'
        : status === undefined
          ? 'Check the network connection and the lakehouse location.'
          : undefined,
      { cause: error },
    );
  }
}

/**
 * The error to throw for a failed storage call: errors that are already typed
 * and actionable (an ignored lease header, a cancellation) pass through as they
 * are; anything else is wrapped with what was being done.
 */
export function storageFailure(action: string, error: unknown): LakehouseError {
  if (error instanceof LakehouseError) return error;
  return new StorageError(action, error);
}

/**
 * The workspace (container) of a location is not there. No command can create
 * a workspace, so every caller says so the same way (never "the first run
 * creates it", which a run cannot keep).
 */
export function containerMissingError(containerName: string, cause: unknown): LakehouseError {
  return new LakehouseError(
    'container-missing',
    `The workspace (container) '${containerName}' does not exist, or this account cannot see it; no catalog can be created there.`,
    'Check the workspace name in the location and that your account has access to it. A first run creates only the catalog, not the workspace.',
    { cause },
  );
}
