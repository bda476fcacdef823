import type { AccessToken, TokenCredential } from '@azure/identity';
import { ConfigError } from '../errors';
import type { LakehouseLocation } from './location';

/**
 * Testing aid: the Blob API root that OneLake locations are served from
 * instead of `*.onelake.blob.fabric.microsoft.com` (the test rig's OneLake-shaped
 * proxy). Loopback only, so a stray variable can never send a token elsewhere.
 * Locations themselves are untouched: the tree, messages and lakehouse.yml keep
 * the real OneLake names; only the wire goes to the rig.
 */
export const ONELAKE_ENDPOINT_ENV = 'LAKEHOUSE_ONELAKE_ENDPOINT';

export function oneLakeEndpointOverride(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[ONELAKE_ENDPOINT_ENV]?.trim();
  if (!value) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`${ONELAKE_ENDPOINT_ENV}='${value}' is not a URL.`);
  }
  if (!isLoopbackUrl(url)) {
    throw new ConfigError(
      `${ONELAKE_ENDPOINT_ENV} must point at a loopback address (it is a testing aid), not '${url.host}'.`,
      `Unset ${ONELAKE_ENDPOINT_ENV} to use OneLake itself.`,
    );
  }
  return value.replace(/\/+$/, '');
}

/** Where the Blob API requests for a location go: its own root, or the testing endpoint for OneLake. */
export function blobServiceUrl(location: LakehouseLocation, oneLakeEndpoint: string | undefined): string {
  return location.kind === 'onelake' && oneLakeEndpoint ? oneLakeEndpoint : location.accountUrl;
}

export function isLoopbackUrl(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(url.hostname);
}

/**
 * The credential the CLI uses when OneLake is the loopback test rig: a fixed,
 * worthless token, so no real Entra token is ever sent to a test endpoint and
 * the rig needs no sign-in. The rig accepts any bearer token.
 */
export function loopbackTestCredential(): TokenCredential {
  return {
    getToken: (): Promise<AccessToken> =>
      Promise.resolve({ token: 'lakehouse-dev-loopback-test-token', expiresOnTimestamp: Date.now() + 3_600_000 }),
  };
}
