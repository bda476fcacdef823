import type { LakehouseLocation } from '../storage/location';
import type { FabricLakehouse, FabricWorkspaceDetails } from './types';

const ONELAKE_BLOB = 'https://onelake.blob.fabric.microsoft.com';
const ONELAKE_DFS = 'https://onelake.dfs.fabric.microsoft.com';

/**
 * The storage location of a discovered lakehouse, by GUID (names can change
 * and may hold characters a URL path does not like): the workspace's own
 * (regional) blob endpoint, container = workspace id, item = lakehouse id.
 *
 * An `http://127.0.0.1…/devstoreaccount1` endpoint (the test rig's fake
 * Fabric pointing at the emulator) is treated as Azurite, which signs with
 * its well-known key instead of a bearer token.
 */
export function discoveredLocation(workspace: FabricWorkspaceDetails, lakehouse: FabricLakehouse): LakehouseLocation {
  const blob = (workspace.oneLakeEndpoints?.blobEndpoint ?? ONELAKE_BLOB).replace(/\/+$/, '');
  const dfsHost = new URL(workspace.oneLakeEndpoints?.dfsEndpoint ?? ONELAKE_DFS).host;
  const emulator = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?\/devstoreaccount1$/i.test(blob);
  return {
    uri: emulator
      ? `azurite://${new URL(blob).host}/${workspace.id}/${lakehouse.id}`
      : `abfss://${workspace.id}@${dfsHost}/${lakehouse.id}`,
    kind: emulator ? 'azurite' : 'onelake',
    accountUrl: blob,
    container: workspace.id,
    item: lakehouse.id,
  };
}

export interface CopyPaths {
  abfss: string;
  https: string;
  relative: string;
}

/**
 * The three forms people paste: abfss (Spark, DuckDB), https (dfs, the form
 * Fabric shows as "URL") and the path relative to the lakehouse root.
 * (Thin adapter until storage/location.ts grows copyPaths.)
 */
export function copyPathsOf(location: LakehouseLocation, path = '', dfsEndpoint?: string): CopyPaths {
  const relative = path.replace(/^\/+|\/+$/g, '');
  const tail = relative ? `/${relative}` : '';
  const dfs = new URL(
    dfsEndpoint ??
      (location.kind === 'onelake'
        ? location.accountUrl.replace('.blob.', '.dfs.')
        : location.kind === 'blob'
          ? location.accountUrl.replace('.blob.core.', '.dfs.core.')
          : location.accountUrl),
  );
  const segments = [location.container, location.item].map(encodeURIComponent).join('/');
  const https =
    location.kind === 'azurite'
      ? `${location.accountUrl}/${segments}${tail}`
      : `${dfs.protocol}//${dfs.host}/${segments}${tail}`;
  return {
    abfss: `abfss://${encodeURIComponent(location.container)}@${dfs.host}/${encodeURIComponent(location.item)}${tail}`,
    https,
    relative,
  };
}

/**
 * A pasted OneLake URL → the `location` to write in lakehouse.yml. Accepts
 * `abfss://<ws>@<region->onelake.dfs.fabric.microsoft.com/<item>[/Files/…]`
 * and `https://<region->onelake.(dfs|blob).fabric.microsoft.com/<ws>/<item>[/…]`,
 * by name or GUID; anything after the item is dropped. (Thin adapter until
 * storage/location.ts grows parseLakehouseUrl.)
 */
export function pastedLakehouseUrl(text: string): { location: string; workspace: string; item: string } | undefined {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    return undefined;
  }
  if (!/(^|\.|-)onelake\.(dfs|blob)\.fabric\.microsoft\.com$/i.test(url.hostname)) return undefined;
  const segments = url.pathname
    .split('/')
    .filter(Boolean)
    .map((s) => decodeURIComponent(s));
  let workspace: string | undefined;
  let item: string | undefined;
  if (url.protocol === 'abfss:') {
    workspace = decodeURIComponent(url.username);
    item = segments[0];
  } else if (url.protocol === 'https:') {
    [workspace, item] = segments;
  }
  if (!workspace || !item) return undefined;
  const host = url.hostname.replace('.blob.', '.dfs.');
  return {
    location: `abfss://${encodeURIComponent(workspace)}@${host}/${encodeURIComponent(item)}`,
    workspace,
    item,
  };
}
