import { ConfigError } from '../errors';
import { dfsHost, normalizeItemPath, parseLocation, type LakehouseLocation } from './location';

/**
 * The location text for a workspace (or container) and item on an endpoint,
 * such that `parseLocation` gives them back unchanged. `endpoint` is `'onelake'`
 * (the global host) or a service root as Fabric or a user gives it: a
 * workspace's `oneLakeEndpoints.blobEndpoint`/`dfsEndpoint` (regional hosts stay
 * regional), an account's blob/dfs URL, or Azurite's `http://host:port/devstoreaccount1`.
 */
export function formatLocation(endpoint: string, workspace: string, item: string): string {
  if (endpoint === 'onelake') return `onelake://${escapeName(workspace)}/${escapeName(item)}`;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new ConfigError(`'${endpoint}' is not an endpoint URL.`);
  }
  const segments = `${encodeURIComponent(workspace)}/${encodeURIComponent(item)}`;
  let text: string;
  if (url.protocol === 'http:' && /^\/?devstoreaccount1\/?$/.test(url.pathname)) {
    text = `azurite://${url.host}/${segments}`;
  } else if (/^onelake\.(dfs|blob)\.fabric\.microsoft\.com$/i.test(url.hostname)) {
    text = `onelake://${escapeName(workspace)}/${escapeName(item)}`;
  } else {
    text = `https://${url.host.replace('.blob.', '.dfs.')}/${segments}`;
  }
  parseLocation(text); // refuses endpoints and names this product cannot use
  return text;
}

/** What Copy Path offers for a lakehouse or a path inside it. */
export interface CopyPaths {
  /** `abfss://<workspace>@<dfs host>/<item>/<path>` (Spark, DuckDB); undefined for the emulator. */
  abfss?: string;
  /** The https URL of the path (the dfs host, as Fabric shows it; the emulator's own http URL). */
  https: string;
  /** The path inside the lakehouse (`Files/metadata.db`), '' for the lakehouse itself. */
  relative: string;
}

export function copyPaths(location: LakehouseLocation, path?: string): CopyPaths {
  const relative = path ? normalizeItemPath(path) : '';
  const tail = [location.item, ...relative.split('/').filter(Boolean)].map(encodeURIComponent).join('/');
  const container = encodeURIComponent(location.container);
  const host = dfsHost(location);
  if (!host) return { https: `${location.accountUrl}/${container}/${tail}`, relative };
  return { abfss: `abfss://${container}@${host}/${tail}`, https: `https://${host}/${container}/${tail}`, relative };
}

/** Keeps names readable in `onelake://` (spaces stay spaces) while escaping what would change their meaning. */
function escapeName(name: string): string {
  return name.replace(/[%/?#]/g, (c) => encodeURIComponent(c));
}
