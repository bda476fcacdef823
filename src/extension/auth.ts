import type { AccessToken, TokenCredential } from '@azure/identity';
import * as vscode from 'vscode';

const STORAGE_SCOPE = 'https://storage.azure.com/.default';

/**
 * A TokenCredential backed by VS Code's Microsoft account sign-in, so the
 * user signs in once through the Accounts menu; tokens never touch the log.
 */
export function vscodeCredential(): TokenCredential {
  return {
    async getToken(scopes: string | string[]): Promise<AccessToken | null> {
      const wanted = Array.isArray(scopes) ? scopes : [scopes];
      const session = await vscode.authentication.getSession(
        'microsoft',
        wanted.length > 0 ? wanted : [STORAGE_SCOPE],
        {
          createIfNone: true,
        },
      );
      // VS Code refreshes sessions itself; ask again well before an hour passes.
      return { token: session.accessToken, expiresOnTimestamp: Date.now() + 45 * 60_000 };
    },
  };
}
