import { LakehouseError } from '../errors';
import type { FabricErrorEnvelope } from './types';

export type FabricErrorCode = 'fabric-signin' | 'fabric-forbidden' | 'fabric-not-found' | 'fabric-throttled' | 'fabric';

/**
 * A failed Fabric REST call, with what Fabric said (errorCode, requestId) kept
 * for support, and a hint naming the sign-in, role or scope that is missing.
 */
export class FabricError extends LakehouseError {
  constructor(
    code: FabricErrorCode,
    message: string,
    hint: string | undefined,
    readonly status: number | undefined,
    readonly errorCode: string | undefined,
    readonly requestId: string | undefined,
  ) {
    super(code, message, hint);
  }
}

/** What a missing permission means for each call, in the user's words. */
const NEEDS: Record<string, string> = {
  workspaces: 'Listing workspaces needs the delegated scope Workspace.Read.All (or Workspace.ReadWrite.All).',
  workspace:
    'Reading a workspace needs a workspace role (Viewer or higher) and the delegated scope Workspace.Read.All.',
  lakehouses:
    'Listing lakehouses needs a workspace role (Viewer or higher) and the delegated scope Lakehouse.Read.All or Item.Read.All.',
};

/** Turns an HTTP failure and its envelope into a FabricError a user can act on. */
export function fabricErrorFrom(
  status: number,
  envelope: FabricErrorEnvelope | undefined,
  what: string,
  need: keyof typeof NEEDS | string,
): FabricError {
  const said = envelope?.message ? `: ${envelope.message}` : '';
  const details = (envelope?.moreDetails ?? [])
    .map((d) => d.message)
    .filter((m): m is string => Boolean(m))
    .join(' ');
  const ref = envelope?.requestId ? ` (request id ${envelope.requestId})` : '';
  const codeText = envelope?.errorCode ? ` [${envelope.errorCode}]` : '';
  const base = `Fabric refused to ${what}${said}${details ? ` ${details}` : ''}${codeText}${ref}.`;
  const make = (code: FabricErrorCode, message: string, hint?: string) =>
    new FabricError(code, message, hint, status, envelope?.errorCode, envelope?.requestId);
  switch (status) {
    case 401:
      return make(
        'fabric-signin',
        `Your Microsoft sign-in was not accepted when trying to ${what}${codeText}${ref}.`,
        'Run "Lakehouse: Sign In to Microsoft Fabric" again (the session may have expired, or it belongs to another tenant: try "Lakehouse: Choose Tenant").',
      );
    case 403:
      return make('fabric-forbidden', base, `${NEEDS[need] ?? NEEDS.workspace} Ask a workspace Admin to add you.`);
    case 404:
      return make(
        'fabric-not-found',
        `Fabric could not find what it was asked to ${what}${codeText}${ref}.`,
        `It was deleted, or your account has no role in it (${NEEDS[need] ?? NEEDS.workspace}) Refresh the view.`,
      );
    case 429:
      return make('fabric-throttled', base, 'Fabric is throttling this account; wait a minute and Refresh.');
    default:
      return make('fabric', base, status >= 500 ? 'Fabric had a problem; try again later.' : undefined);
  }
}
