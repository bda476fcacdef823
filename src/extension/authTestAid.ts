import * as vscode from 'vscode';
import { jwtClaims, toSignInSession, type SessionSource } from './auth';

/**
 * TESTING AID (environment only, never a setting): code-server cannot sign in
 * to Microsoft, so the e2e suite hands the extension a token the fake Fabric
 * server issued. LAKEHOUSE_TEST_FABRIC_TOKEN set → this source replaces VS
 * Code's Microsoft provider for Fabric discovery and storage.
 */
export function testSessionSource(env: NodeJS.ProcessEnv): SessionSource | undefined {
  const token = env.LAKEHOUSE_TEST_FABRIC_TOKEN;
  if (!token) return undefined;
  const upn = jwtClaims(token)?.upn;
  const account = { id: 'test-account', label: typeof upn === 'string' ? upn : 'test account' };
  return {
    name: 'test token (LAKEHOUSE_TEST_FABRIC_TOKEN)',
    onDidChange: new vscode.EventEmitter<void>().event,
    getSession: async () => toSignInSession(token, account),
    accounts: async () => [account],
  };
}

/** TESTING AID: the Fabric REST base URL, from the environment only (the fake server in tests). */
export function fabricApiUrlFromEnv(env: NodeJS.ProcessEnv): string | undefined {
  return env.LAKEHOUSE_FABRIC_API_URL || undefined;
}
