import { ConfigError } from '../errors';

export type LocationKind = 'onelake' | 'azurite' | 'blob';

/**
 * Where a lakehouse lives, resolved to the Blob API (every write that must be
 * atomic or lease-guarded goes through it). A OneLake workspace is a blob
 * container; a lakehouse item is the first folder inside it.
 */
export interface LakehouseLocation {
  /** As the user wrote it. */
  uri: string;
  kind: LocationKind;
  /** Blob service root without a trailing slash. */
  accountUrl: string;
  /** The Fabric workspace (OneLake) or the blob container. */
  container: string;
  /** The lakehouse item folder, e.g. `sales.Lakehouse`. */
  item: string;
}

export const ONELAKE_BLOB_URL = 'https://onelake.blob.fabric.microsoft.com';
const AZURITE_ACCOUNT = 'devstoreaccount1';

/**
 * Accepts `onelake://<workspace>/<item>`, the `abfss://<workspace>@onelake.dfs.fabric.microsoft.com/<item>`
 * URL Fabric shows, `azurite://<host>:<port>/<container>/<item>` for the local emulator, and
 * `https://<account>.blob.core.windows.net/<container>/<item>` for plain ADLS/Blob accounts.
 */
export function parseLocation(uri: string): LakehouseLocation {
  const text = uri.trim();
  const bad = (why: string) =>
    new ConfigError(
      `Invalid lakehouse location '${uri}': ${why}.`,
      'Use onelake://<workspace>/<lakehouse>.Lakehouse, or azurite://127.0.0.1:10000/<container>/<lakehouse>.Lakehouse for the emulator.',
    );
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad('not a URL');
  }
  const segments = url.pathname
    .split('/')
    .filter((s) => s.length > 0)
    .map((s) => decodeURIComponent(s));
  switch (url.protocol) {
    case 'onelake:': {
      const workspace = decodeURIComponent(url.hostname || '');
      const [item, ...rest] = segments;
      if (!workspace) throw bad('no workspace');
      if (!item || rest.length > 0) throw bad('expected exactly one lakehouse item after the workspace');
      return oneLake(text, checkName(workspace, bad), checkName(item, bad));
    }
    case 'abfss:': {
      if (!/\.dfs\.fabric\.microsoft\.com$/i.test(url.hostname)) throw bad('only OneLake abfss URLs are supported');
      const workspace = decodeURIComponent(url.username);
      const [item] = segments;
      if (!workspace || !item) throw bad('expected abfss://<workspace>@onelake.dfs.fabric.microsoft.com/<item>');
      return oneLake(text, checkName(workspace, bad), checkName(item, bad));
    }
    case 'azurite:': {
      const [container, item, ...rest] = segments;
      if (!url.port) throw bad('the emulator needs host:port, e.g. azurite://127.0.0.1:10000/…');
      if (!container || !item || rest.length > 0) throw bad('expected azurite://<host>:<port>/<container>/<item>');
      return {
        uri: text,
        kind: 'azurite',
        accountUrl: `http://${url.hostname}:${url.port}/${AZURITE_ACCOUNT}`,
        container: checkName(container, bad),
        item: checkName(item, bad),
      };
    }
    case 'https:': {
      const [container, item, ...rest] = segments;
      if (!/\.blob\.(core\.windows\.net|fabric\.microsoft\.com)$/i.test(url.hostname)) throw bad('not a blob endpoint');
      if (!container || !item || rest.length > 0)
        throw bad('expected https://<account>.blob.core.windows.net/<container>/<item>');
      const onelake = /onelake\.blob\.fabric\.microsoft\.com$/i.test(url.hostname);
      return {
        uri: text,
        kind: onelake ? 'onelake' : 'blob',
        accountUrl: `https://${url.hostname}`,
        container: checkName(container, bad),
        item: checkName(item, bad),
      };
    }
    default:
      throw bad(`unknown scheme '${url.protocol.replace(':', '')}'`);
  }
}

function oneLake(uri: string, workspace: string, item: string): LakehouseLocation {
  return { uri, kind: 'onelake', accountUrl: ONELAKE_BLOB_URL, container: workspace, item };
}

function checkName(name: string, bad: (why: string) => Error): string {
  if (name === '.' || name === '..' || /[\\/\0]/.test(name)) throw bad(`'${name}' is not a valid name`);
  return name;
}

/** The blob name of a path inside the lakehouse item (`Files/metadata.db` → `sales.Lakehouse/Files/metadata.db`). */
export function itemBlobName(location: LakehouseLocation, path: string): string {
  const clean = normalizeItemPath(path);
  return `${location.item}/${clean}`;
}

/** Normalizes a path inside the item and refuses anything that would leave it. */
export function normalizeItemPath(path: string): string {
  const parts: string[] = [];
  for (const part of path.replace(/\\/g, '/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..')
      throw new ConfigError(
        `Path '${path}' leaves the lakehouse.`,
        'Use a path inside the lakehouse, e.g. Files/metadata.db.',
      );
    parts.push(part);
  }
  if (parts.length === 0) throw new ConfigError(`Empty path inside the lakehouse.`);
  return parts.join('/');
}

/** The URL other tools (DuckDB, Spark) use for the lakehouse's Tables folder; stored as the catalog's data_path. */
export function tablesUrl(location: LakehouseLocation): string {
  switch (location.kind) {
    case 'onelake':
      return `abfss://${location.container}@onelake.dfs.fabric.microsoft.com/${location.item}/Tables/`;
    case 'azurite':
    case 'blob':
      return `az://${location.container}/${location.item}/Tables/`;
  }
}

export function describeLocation(location: LakehouseLocation): string {
  switch (location.kind) {
    case 'onelake':
      return `OneLake ${location.container}/${location.item}`;
    case 'azurite':
      return `Azurite ${new URL(location.accountUrl).host} ${location.container}/${location.item}`;
    case 'blob':
      return `${new URL(location.accountUrl).hostname} ${location.container}/${location.item}`;
  }
}
