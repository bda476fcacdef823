import type { AccessToken, TokenCredential } from '@azure/identity';
import * as vscode from 'vscode';
import { LakehouseError } from '../core/errors';
import { FABRIC_SCOPE, STORAGE_SCOPE } from '../core/fabric';
import { scopesFor, type SessionSource, type SignInSession } from './auth';
import type { Logger } from './log';

/** Background work found nobody signed in: the tree shows a Sign-in node; commands offer Sign In. */
export class SignInRequiredError extends LakehouseError {
  constructor(what: string) {
    super(
      'signin-required',
      `Sign in to Microsoft Fabric to ${what}.`,
      'Run "Lakehouse: Sign In to Microsoft Fabric" (or click the Sign-in item in the Lakehouse view).',
    );
  }
}

export type SignInState =
  | { kind: 'signedOut'; reason: 'noSession' | 'signedOut' }
  | { kind: 'signedIn'; account: { id: string; label: string }; tenantId?: string; source: string };

const KEYS = {
  signedOut: 'lakehouse.fabric.signedOut',
  account: 'lakehouse.fabric.account',
  tenant: 'lakehouse.fabric.tenant',
  recentTenants: 'lakehouse.fabric.recentTenants',
} as const;

/**
 * Who the extension acts as in Fabric and OneLake. Background callers (tree,
 * lease polling) only ever ask silently; prompts happen in signIn /
 * switchAccount, which only commands call. The chosen account, tenant and a
 * Sign Out are remembered in globalState (never the token).
 */
export class FabricSignIn implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private readonly listener: vscode.Disposable;

  constructor(
    private readonly source: SessionSource,
    private readonly memento: vscode.Memento,
    private readonly log: Logger,
  ) {
    this.listener = source.onDidChange(() => this.changed.fire());
  }

  get tenantId(): string | undefined {
    return this.memento.get<string>(KEYS.tenant) || undefined;
  }

  recentTenants(): string[] {
    return this.memento.get<string[]>(KEYS.recentTenants, []);
  }

  /** Silent: who is signed in, without ever showing UI. */
  async state(): Promise<SignInState> {
    if (this.memento.get<boolean>(KEYS.signedOut)) return { kind: 'signedOut', reason: 'signedOut' };
    const session = await this.silent(FABRIC_SCOPE);
    if (!session) return { kind: 'signedOut', reason: 'noSession' };
    return {
      kind: 'signedIn',
      account: session.account,
      tenantId: this.tenantId ?? session.tenantId,
      source: this.source.name,
    };
  }

  /** A token for background work; throws SignInRequiredError instead of prompting. */
  async token(resource: string, what: string): Promise<SignInSession> {
    if (this.memento.get<boolean>(KEYS.signedOut)) throw new SignInRequiredError(what);
    const session = await this.silent(resource);
    if (!session) throw new SignInRequiredError(what);
    return session;
  }

  /** The storage credential (OneLake, ADLS/Blob with Entra): silent, with the token's real expiry. */
  storageCredential(): TokenCredential {
    return {
      getToken: async (): Promise<AccessToken | null> => {
        const session = await this.token(STORAGE_SCOPE, 'read and write OneLake');
        // An opaque token carries no expiry: ask the provider again next time (it caches and refreshes).
        return { token: session.accessToken, expiresOnTimestamp: session.expiresOnTimestamp ?? Date.now() + 60_000 };
      },
    };
  }

  /** A user action: may prompt. */
  async signIn(): Promise<SignInState> {
    const wasSignedOut = this.memento.get<boolean>(KEYS.signedOut);
    const session = await this.source.getSession(
      scopesFor(FABRIC_SCOPE, this.tenantId),
      wasSignedOut ? { kind: 'choose' } : { kind: 'interactive', account: this.memento.get<string>(KEYS.account) },
    );
    if (!session) throw new SignInRequiredError('browse your workspaces');
    await this.remember(session);
    return this.state();
  }

  async switchAccount(accountId: string | undefined): Promise<SignInState> {
    const session = await this.source.getSession(
      scopesFor(FABRIC_SCOPE, this.tenantId),
      accountId ? { kind: 'interactive', account: accountId } : { kind: 'choose' },
    );
    if (!session) throw new SignInRequiredError('browse your workspaces');
    await this.remember(session);
    return this.state();
  }

  accounts(): Promise<Array<{ id: string; label: string }>> {
    return this.source.accounts();
  }

  /** Tokens for another tenant (guest / multi-tenant accounts) come from VSCODE_TENANT:<id> scopes. */
  async chooseTenant(tenantId: string | undefined): Promise<void> {
    await this.memento.update(KEYS.tenant, tenantId);
    if (tenantId) {
      const recent = [tenantId, ...this.recentTenants().filter((t) => t !== tenantId)].slice(0, 8);
      await this.memento.update(KEYS.recentTenants, recent);
    }
    this.log.info(`Fabric tenant: ${tenantId ?? 'home tenant of the account'}`);
    this.changed.fire();
  }

  /**
   * VS Code owns the Microsoft session (Accounts menu); Sign Out here forgets
   * our choice of account and stops using any session until Sign In.
   */
  async signOut(): Promise<void> {
    await this.memento.update(KEYS.signedOut, true);
    await this.memento.update(KEYS.account, undefined);
    this.log.info('Signed out of Microsoft Fabric in Lakehouse Dev');
    this.changed.fire();
  }

  private async remember(session: SignInSession): Promise<void> {
    await this.memento.update(KEYS.signedOut, undefined);
    await this.memento.update(KEYS.account, session.account.id);
    this.log.info(`Signed in to Microsoft Fabric as ${session.account.label}`);
    this.changed.fire();
  }

  private async silent(resource: string): Promise<SignInSession | undefined> {
    try {
      return await this.source.getSession(scopesFor(resource, this.tenantId), {
        kind: 'silent',
        account: this.memento.get<string>(KEYS.account),
      });
    } catch (error) {
      // No provider (some remote hosts) counts as signed out; background work must not throw dialogs.
      this.log.debug(`silent sign-in check failed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }

  dispose(): void {
    this.listener.dispose();
    this.changed.dispose();
  }
}
