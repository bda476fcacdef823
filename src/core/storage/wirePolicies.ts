import type { BlobServiceClient } from '@azure/storage-blob';

/** The slice of a core-rest-pipeline policy this module needs (the package is the SDK's, not ours). */
export interface WirePolicy {
  name: string;
  sendRequest(
    request: { method: string; url: string; headers: { set(name: string, value: string): void } },
    next: (request: never) => Promise<WireResponse>,
  ): Promise<WireResponse>;
}

export interface WireResponse {
  status: number;
  headers: { get(name: string): string | undefined };
}

interface CorePipeline {
  addPolicy(policy: WirePolicy, options: { afterPhase: 'Retry' }): void;
}

/**
 * Adds policies that see every attempt on the wire, after the retry policy and
 * before the response is turned into an error: the blob SDK's own extension
 * point (`Pipeline.factories`) runs once per call and above error
 * deserialization, so a 4xx carrying `x-ms-rejected-headers` would never reach it.
 */
export function addWirePolicies(service: BlobServiceClient, policies: WirePolicy[]): void {
  const context = (service as unknown as { storageClientContext?: { pipeline?: Partial<CorePipeline> } })
    .storageClientContext;
  const pipeline = context?.pipeline;
  if (!pipeline || typeof pipeline.addPolicy !== 'function') {
    throw new Error('@azure/storage-blob changed shape: its client pipeline cannot take policies.');
  }
  for (const policy of policies) pipeline.addPolicy(policy, { afterPhase: 'Retry' });
}
