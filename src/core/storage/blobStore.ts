import type { BlockBlobClient, ContainerClient, RequestPolicy, RequestPolicyFactory } from '@azure/storage-blob';
import type { TokenCredential } from '@azure/identity';
import { ConfigError } from '../errors';
import { AZURITE_ACCOUNT, AZURITE_KEY } from './azurite';
import { itemBlobName, type LakehouseLocation } from './location';

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

export async function openLakehouseStore(
  location: LakehouseLocation,
  auth: StorageAuth,
  counter: RequestCounter = new RequestCounter(),
): Promise<LakehouseStore> {
  // Loaded on first use so the extension activates without paying for the SDK.
  const { BlobServiceClient, StorageSharedKeyCredential, newPipeline } = await import('@azure/storage-blob');
  const credential =
    auth.kind === 'sharedKey' ? new StorageSharedKeyCredential(auth.account, auth.key) : auth.credential;
  const pipeline = newPipeline(credential, {
    retryOptions: { maxTries: 4, retryDelayInMs: 200, maxRetryDelayInMs: 2_000 },
    userAgentOptions: { userAgentPrefix: 'lakehouse-dev' },
  });
  pipeline.factories.push(countingPolicy(counter));
  const service = new BlobServiceClient(location.accountUrl, pipeline);
  const container = service.getContainerClient(location.container);
  return {
    location,
    container,
    counter,
    blob: (path: string) => container.getBlockBlobClient(itemBlobName(location, path)),
  };
}

function countingPolicy(counter: RequestCounter): RequestPolicyFactory {
  return {
    create(next: RequestPolicy): RequestPolicy {
      return {
        sendRequest(request) {
          counter.record(request.method, request.url);
          return next.sendRequest(request);
        },
      };
    },
  };
}
