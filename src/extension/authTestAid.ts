import * as vscode from 'vscode';
import { jwtClaims, toSignInSession, type SessionSource } from './auth';

/**
 * TESTING AID (environment only, never a setting): code-server cannot sign in
 * to Microsoft, so the e2e suite hands the extension a token the fake Fabric
 * server issued. LAKEHOUSE_TEST_FABRIC_TOKEN set → this source replaces VS
 * Code's Microsoft provider for Fabric discovery and storage.
 */
export function testSessionSource(env: NodeJS.ProcessEnv): SessionSource | undefined {
  // Several tokens (comma-separated) stand for one account in several tenants: a request for
  // VSCODE_TENANT:<id> gets the token whose `tid` claim is <id>, as a guest sign-in would.
  const tokens = (env.LAKEHOUSE_TEST_FABRIC_TOKEN ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  if (tokens.length === 0) return undefined;
  const upn = jwtClaims(tokens[0]!)?.upn;
  const account = { id: 'test-account', label: typeof upn === 'string' ? upn : 'test account' };
  return {
    name: 'test token (LAKEHOUSE_TEST_FABRIC_TOKEN)',
    onDidChange: new vscode.EventEmitter<void>().event,
    getSession: async (scopes) => {
      const tenant = scopes.find((s) => s.startsWith('VSCODE_TENANT:'))?.slice('VSCODE_TENANT:'.length);
      const token = tenant ? tokens.find((t) => jwtClaims(t)?.tid === tenant) : tokens[0];
      return token ? toSignInSession(token, account) : undefined;
    },
    accounts: async () => [account],
  };
}

/** TESTING AID: the Fabric REST base URL, from the environment only (the fake server in tests). */
export function fabricApiUrlFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  return env.LAKEHOUSE_FABRIC_API_URL || undefined;
}
