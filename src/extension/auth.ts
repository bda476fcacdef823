import * as vscode from 'vscode';

export const MICROSOFT_PROVIDER = 'microsoft';

/** A signed-in account's token for one set of scopes, with its real expiry. */
export interface SignInSession {
  accessToken: string;
  account: { id: string; label: string };
  /** From the token's `exp` claim; undefined when the token is opaque (ask again each time). */
  expiresOnTimestamp?: number;
  /** The tenant the token was issued in (`tid` claim), when it says. */
  tenantId?: string;
}

export type SessionMode =
  /** Background work: never show UI; undefined when nobody is signed in. */
  | { kind: 'silent'; account?: string }
  /** A user action: may show the sign-in prompt. */
  | { kind: 'interactive'; account?: string }
  /** Switch Account / Sign In after Sign Out: forget the remembered choice and let the user pick. */
  | { kind: 'choose' };

/** Where sessions come from: VS Code's Microsoft provider, or the test aid. */
export interface SessionSource {
  readonly name: string;
  getSession(scopes: string[], mode: SessionMode): Promise<SignInSession | undefined>;
  accounts(): Promise<Array<{ id: string; label: string }>>;
  readonly onDidChange: vscode.Event<void>;
}

/** Scopes for one resource, in the tenant the user chose (guest accounts need the resource tenant). */
export function scopesFor(resource: string, tenantId: string | undefined): string[] {
  return tenantId ? [resource, `VSCODE_TENANT:${tenantId}`] : [resource];
}

/** VS Code's Microsoft account sign-in (the Accounts menu). */
export function vscodeSessionSource(): SessionSource & vscode.Disposable {
  const changed = new vscode.EventEmitter<void>();
  const listener = vscode.authentication.onDidChangeSessions((e) => {
    if (e.provider.id === MICROSOFT_PROVIDER) changed.fire();
  });
  const findAccount = async (id: string | undefined) =>
    id ? (await vscode.authentication.getAccounts(MICROSOFT_PROVIDER)).find((a) => a.id === id) : undefined;
  return {
    name: 'Microsoft',
    onDidChange: changed.event,
    async getSession(scopes, mode) {
      let session: vscode.AuthenticationSession | undefined;
      if (mode.kind === 'choose') {
        session = await vscode.authentication.getSession(MICROSOFT_PROVIDER, scopes, {
          createIfNone: true,
          clearSessionPreference: true,
        });
      } else {
        const account = await findAccount(mode.account);
        session = await vscode.authentication.getSession(
          MICROSOFT_PROVIDER,
          scopes,
          mode.kind === 'silent' ? { silent: true, account } : { createIfNone: true, account },
        );
      }
      return session ? toSignInSession(session.accessToken, session.account) : undefined;
    },
    async accounts() {
      return (await vscode.authentication.getAccounts(MICROSOFT_PROVIDER)).map((a) => ({ id: a.id, label: a.label }));
    },
    dispose() {
      listener.dispose();
      changed.dispose();
    },
  };
}

export function toSignInSession(accessToken: string, account: { id: string; label: string }): SignInSession {
  const claims = jwtClaims(accessToken);
  return {
    accessToken,
    account: { id: account.id, label: account.label },
    expiresOnTimestamp: typeof claims?.exp === 'number' ? claims.exp * 1000 : undefined,
    tenantId: typeof claims?.tid === 'string' ? claims.tid : undefined,
  };
}

/** The claims of a JWT access token, read (not verified: the service verifies) for expiry and tenant. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const part = token.split('.')[1];
  if (!part) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as unknown;
    return typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
