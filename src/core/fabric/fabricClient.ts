import { CancelledError } from '../errors';
import { FabricError, fabricErrorFrom } from './fabricErrors';
import {
  FABRIC_API_URL,
  type FabricErrorEnvelope,
  type FabricLakehouse,
  type FabricPage,
  type FabricWorkspace,
  type FabricWorkspaceDetails,
} from './types';

/** Gives a bearer token for the Fabric REST audience; the caller decides how (VS Code session, CLI credential). */
export type FabricTokenProvider = (signal?: AbortSignal) => Promise<string>;

export interface FabricClientOptions {
  token: FabricTokenProvider;
  /** Default https://api.fabric.microsoft.com/v1. */
  baseUrl?: string;
  /** How many 429 answers one call waits out before giving up. Default 4. */
  maxThrottleRetries?: number;
  /** The longest single Retry-After wait honoured, in ms; longer asks fail at once. Default 60 s. */
  maxRetryAfterMs?: number;
  /** Injected for tests; default Node's fetch. */
  fetch?: typeof fetch;
  /** Called for each HTTP request sent (retries included), e.g. to log or count. */
  onRequest?: (method: string, url: string) => void;
}

/**
 * The Fabric REST calls discovery needs: workspaces, one workspace (for its
 * regional OneLake endpoints) and a workspace's lakehouses. Lists follow
 * continuation until the last page; 429 waits Retry-After (bounded,
 * cancellable); failures become FabricErrors naming what is missing.
 */
export class FabricClient {
  private readonly base: URL;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: FabricClientOptions) {
    this.base = new URL((options.baseUrl ?? FABRIC_API_URL).replace(/\/+$/, '') + '/');
    this.fetch = options.fetch ?? fetch;
  }

  listWorkspaces(signal?: AbortSignal): Promise<FabricWorkspace[]> {
    return this.listAll<FabricWorkspace>('workspaces', 'list your workspaces', 'workspaces', signal);
  }

  getWorkspace(workspaceId: string, signal?: AbortSignal): Promise<FabricWorkspaceDetails> {
    return this.getJson<FabricWorkspaceDetails>(
      this.url(`workspaces/${encodeURIComponent(workspaceId)}`),
      `read workspace ${workspaceId}`,
      'workspace',
      signal,
    );
  }

  listLakehouses(workspaceId: string, signal?: AbortSignal): Promise<FabricLakehouse[]> {
    return this.listAll<FabricLakehouse>(
      `workspaces/${encodeURIComponent(workspaceId)}/lakehouses`,
      `list the lakehouses of workspace ${workspaceId}`,
      'lakehouses',
      signal,
    );
  }

  private url(path: string): URL {
    return new URL(path, this.base);
  }

  private async listAll<T>(path: string, what: string, need: string, signal?: AbortSignal): Promise<T[]> {
    const items: T[] = [];
    let next: URL | undefined = this.url(path);
    const seen = new Set<string>();
    while (next) {
      const page: FabricPage<T> = await this.getJson<FabricPage<T>>(next, what, need, signal);
      items.push(...(page.value ?? []));
      next = this.nextPage(path, page);
      // A server repeating a token would loop for ever; stop instead.
      if (next && seen.has(next.href)) break;
      if (next) seen.add(next.href);
    }
    return items;
  }

  /** The next page: the server's continuationUri when it stays on our API host, else the token on our own URL. */
  private nextPage(path: string, page: FabricPage<unknown>): URL | undefined {
    if (page.continuationUri) {
      try {
        const uri = new URL(page.continuationUri, this.base);
        // Never send the bearer token to a host other than the API's.
        if (uri.origin === this.base.origin) return uri;
      } catch {
        // fall through to the token
      }
    }
    if (page.continuationToken) {
      const url = this.url(path);
      url.searchParams.set('continuationToken', page.continuationToken);
      return url;
    }
    return undefined;
  }

  private async getJson<T>(url: URL, what: string, need: string, signal?: AbortSignal): Promise<T> {
    const maxRetries = this.options.maxThrottleRetries ?? 4;
    const maxWait = this.options.maxRetryAfterMs ?? 60_000;
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw new CancelledError('Fabric discovery');
      const token = await this.options.token(signal);
      this.options.onRequest?.('GET', url.href);
      let response: Response;
      try {
        response = await this.fetch(url, {
          headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
          signal,
        });
      } catch (error) {
        if (signal?.aborted) throw new CancelledError('Fabric discovery');
        throw new FabricError(
          'fabric',
          `Could not reach the Fabric API to ${what}: ${error instanceof Error ? error.message : String(error)}.`,
          'Check the network connection (and proxy settings).',
          undefined,
          undefined,
          undefined,
        );
      }
      if (response.ok) return (await response.json()) as T;
      const envelope = await readEnvelope(response);
      if (response.status === 429 || response.status === 503) {
        const waitMs = retryAfterMs(response.headers.get('retry-after'));
        if (attempt < maxRetries && waitMs <= maxWait) {
          await sleep(waitMs, signal);
          continue;
        }
      }
      throw fabricErrorFrom(response.status, envelope, what, need);
    }
  }
}

async function readEnvelope(response: Response): Promise<FabricErrorEnvelope | undefined> {
  try {
    const body = (await response.json()) as unknown;
    return typeof body === 'object' && body !== null ? (body as FabricErrorEnvelope) : undefined;
  } catch {
    return undefined;
  }
}

/** Retry-After in seconds (what Fabric sends) or an HTTP date; 1 s when absent or unreadable. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (!header) return 1_000;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, date - now) : 1_000;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError('Fabric discovery'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError('Fabric discovery'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
