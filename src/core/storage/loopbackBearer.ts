import type { TokenCredential } from '@azure/identity';
import type { RequestPolicy, RequestPolicyFactory } from '@azure/storage-blob';

/** The audience OneLake and Azure Storage accept tokens for. */
export const STORAGE_SCOPE = 'https://storage.azure.com/.default';

/**
 * Sets `Authorization: Bearer …` for the loopback test rig, which speaks plain
 * http (the SDK's own bearer policy refuses non-TLS URLs). Only ever installed
 * for a loopback endpoint; tokens are reused until shortly before they expire.
 */
export function loopbackBearerPolicy(credential: TokenCredential): RequestPolicyFactory {
  let cached: { token: string; expiresOnTimestamp: number } | undefined;
  return {
    create(next: RequestPolicy): RequestPolicy {
      return {
        async sendRequest(request) {
          if (!cached || cached.expiresOnTimestamp - Date.now() < 120_000) {
            const token = await credential.getToken(STORAGE_SCOPE);
            if (!token) throw new Error('No storage token from the credential.');
            cached = token;
          }
          request.headers.set('authorization', `Bearer ${cached.token}`);
          return next.sendRequest(request);
        },
      };
    },
  };
}
