import type { BlockBlobClient, ContainerClient } from '@azure/storage-blob';
import type { TokenCredential } from '@azure/identity';
import { ConfigError } from '../errors';
import { AZURITE_ACCOUNT, AZURITE_KEY } from './azurite';
import { blobServiceUrl, isLoopbackUrl, oneLakeEndpointOverride } from './endpoint';
import { itemBlobName, type LakehouseLocation } from './location';
import { loopbackBearerPolicy } from './loopbackBearer';
import { rejectedHeadersPolicy } from './rejectedHeaders';
import { DEFAULT_STALL_TIMEOUT_MS, stallTimeoutFromEnv, stallTimeoutPolicy } from './stallTimeout';
import { addWirePolicies, type WirePolicy } from './wirePolicies';

export type StorageAuth =
  { kind: 'sharedKey'; account: string; key: string } | { kind: 'token'; credential: TokenCredential };

/**
 * Counts HTTP requests as they leave for the wire (retries included): object
 * store round trips, not compute, are what make lakehouse tools slow, so
 * publish reports them and tests bound them.
 */
export class RequestCounter {
  total = 0;
  readonly byMethod: Record<string, number> = {};

  /** `url` lets a subclass count by kind (e.g. Delta log reads vs listings); this one counts by method. */
  record(method: string, _url?: string): void {
    this.total += 1;
    this.byMethod[method] = (this.byMethod[method] ?? 0) + 1;
  }

  /** Requests since `mark` (a value of `total` read earlier). */
  since(mark: number): number {
    return this.total - mark;
  }
}

/** A lakehouse item on blob storage: its container, a request counter, and blob clients by item path. */
export interface LakehouseStore {
  readonly location: LakehouseLocation;
  readonly container: ContainerClient;
  readonly counter: RequestCounter;
  /** Block blob client for a path inside the item (`Files/metadata.db`); refuses paths that leave the item. */
  blob(path: string): BlockBlobClient;
}

/** Azurite uses its fixed development key; OneLake and Blob accounts need an Entra token credential. */
export function authFor(location: LakehouseLocation, credential: TokenCredential | undefined): StorageAuth {
  if (location.kind === 'azurite') return { kind: 'sharedKey', account: AZURITE_ACCOUNT, key: AZURITE_KEY };
  if (!credential) {
    throw new ConfigError(
      `${location.uri} needs a Microsoft Entra sign-in.`,
      "Sign in (VS Code: Accounts menu; CLI: 'az login' or AZURE_* environment variables).",
    );
  }
  return { kind: 'token', credential };
}

export interface StoreOptions {
  counter?: RequestCounter;
  /**
   * Testing aid: the loopback Blob API root OneLake locations are served from
   * (the rig's OneLake-shaped proxy). Defaults to LAKEHOUSE_ONELAKE_ENDPOINT.
   */
  oneLakeEndpoint?: string;
  /** Told about headers the service ignored that guard nothing (tier, ACL, owner); log them at most. */
  onIgnoredHeaders?: (headers: string[], request: string) => void;
  /**
   * How long a request may go without a byte moving before it is given up and retried
   * (default: LAKEHOUSE_STALL_TIMEOUT_MS, else 2 min). The SDK has no client-side timeout.
   */
  stallTimeoutMs?: number;
}

export async function openLakehouseStore(
  location: LakehouseLocation,
  auth: StorageAuth,
  options: StoreOptions | RequestCounter = {},
): Promise<LakehouseStore> {
  const opts = options instanceof RequestCounter ? { counter: options } : options;
  const counter = opts.counter ?? new RequestCounter();
  const serviceUrl = blobServiceUrl(location, opts.oneLakeEndpoint ?? oneLakeEndpointOverride());
  // Loaded on first use so the extension activates without paying for the SDK.
  const { AnonymousCredential, BlobServiceClient, StorageSharedKeyCredential, newPipeline } =
    await import('@azure/storage-blob');
  // The SDK refuses bearer tokens over plain http; the loopback test rig is plain http, so
  // there (and only there) the token is set by our own policy.
  const loopbackToken = auth.kind === 'token' && serviceUrl.startsWith('http://') && isLoopbackUrl(new URL(serviceUrl));
  const credential =
    auth.kind === 'sharedKey'
      ? new StorageSharedKeyCredential(auth.account, auth.key)
      : loopbackToken
        ? new AnonymousCredential()
        : auth.credential;
  const pipeline = newPipeline(credential, {
    retryOptions: { maxTries: 4, retryDelayInMs: 200, maxRetryDelayInMs: 2_000 },
    userAgentOptions: { userAgentPrefix: 'lakehouse-dev' },
  });
  if (loopbackToken && auth.kind === 'token') pipeline.factories.push(loopbackBearerPolicy(auth.credential));
  const service = new BlobServiceClient(serviceUrl, pipeline);
  const stallMs = opts.stallTimeoutMs ?? stallTimeoutFromEnv() ?? DEFAULT_STALL_TIMEOUT_MS;
  addWirePolicies(service, [
    stallTimeoutPolicy(stallMs),
    rejectedHeadersPolicy(opts.onIgnoredHeaders),
    countingPolicy(counter),
  ]);
  const container = service.getContainerClient(location.container);
  return {
    location,
    container,
    counter,
    blob: (path: string) => container.getBlockBlobClient(itemBlobName(location, path)),
  };
}

function countingPolicy(counter: RequestCounter): WirePolicy {
  return {
    name: 'lakehouseRequestCounter',
    sendRequest(request, next) {
      counter.record(request.method, request.url);
      return next(request as never);
    },
  };
}
