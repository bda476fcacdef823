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
  removePolicy(options: { name: string }): unknown;
}

/**
 * core-rest-pipeline's form-data policy reads the global `FormData` on every request to see whether the body
 * is a form; in Node that first read loads the built-in undici (~25–35 ms of CPU, a tenth of a small publish).
 * The Blob API never takes a form body, so the policy only ever passes requests through.
 */
export const UNUSED_SDK_POLICIES = ['formDataPolicy'] as const;

/**
 * Adds policies that see every attempt on the wire, after the retry policy and
 * before the response is turned into an error: the blob SDK's own extension
 * point (`Pipeline.factories`) runs once per call and above error
 * deserialization, so a 4xx carrying `x-ms-rejected-headers` would never reach it.
 */
export function addWirePolicies(service: BlobServiceClient, policies: WirePolicy[]): void {
  const pipeline = corePipeline(service);
  for (const policy of policies) pipeline.addPolicy(policy, { afterPhase: 'Retry' });
  for (const name of UNUSED_SDK_POLICIES) pipeline.removePolicy({ name });
}

/** Names of the policies every request of this client passes through, in order (tests). */
export function wirePolicyNames(client: BlobServiceClient | object): string[] {
  const pipeline = corePipeline(client) as CorePipeline & { getOrderedPolicies?: () => { name: string }[] };
  return pipeline.getOrderedPolicies?.().map((p) => p.name) ?? [];
}

function corePipeline(service: BlobServiceClient | object): CorePipeline {
  const context = (service as unknown as { storageClientContext?: { pipeline?: Partial<CorePipeline> } })
    .storageClientContext;
  const pipeline = context?.pipeline;
  if (!pipeline || typeof pipeline.addPolicy !== 'function' || typeof pipeline.removePolicy !== 'function') {
    throw new Error('@azure/storage-blob changed shape: its client pipeline cannot take policies.');
  }
  return pipeline as CorePipeline;
}
