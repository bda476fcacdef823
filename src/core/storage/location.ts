import { ConfigError } from '../errors';

export type LocationKind = 'onelake' | 'azurite' | 'blob';

/**
 * Where a lakehouse lives, resolved to the Blob API (every write that must be
 * atomic or lease-guarded goes through it). A OneLake workspace is a blob
 * container; a lakehouse item is the first folder inside it.
 */
export interface LakehouseLocation {
  /** As the user wrote it (without any query string: a pasted SAS never lands here). */
  uri: string;
  kind: LocationKind;
  /** Blob service root without a trailing slash; a regional OneLake host stays regional. */
  accountUrl: string;
  /** The Fabric workspace (name or GUID) on OneLake, or the blob container. */
  container: string;
  /** The lakehouse item folder: `sales.Lakehouse`, or the item's GUID on OneLake. */
  item: string;
}

/** A pasted URL: the lakehouse, and the path inside it when the URL pointed below it (`Files/raw`, `Tables`). */
export interface ParsedLakehouseUrl {
  location: LakehouseLocation;
  rest?: string;
}

export const ONELAKE_BLOB_URL = 'https://onelake.blob.fabric.microsoft.com';
const AZURITE_ACCOUNT = 'devstoreaccount1';
/** `onelake.dfs.fabric.microsoft.com`, `onelake.blob…`, and regional `westus-onelake.dfs…`. */
const ONELAKE_HOST = /^(?:([a-z0-9]+)-)?onelake\.(dfs|blob)\.fabric\.microsoft\.com$/i;
/** Plain ADLS Gen2 / Blob accounts. */
const ACCOUNT_HOST = /^([a-z0-9]+)\.(dfs|blob)\.core\.windows\.net$/i;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HINT =
  'Use onelake://<workspace>/<lakehouse>.Lakehouse, abfss://<workspace>@onelake.dfs.fabric.microsoft.com/<lakehouse>.Lakehouse, or azurite://127.0.0.1:10000/<container>/<lakehouse>.Lakehouse for the emulator.';

/**
 * The location of a lakehouse (lakehouse.yml, the CLI): a pasted URL that
 * points inside the lakehouse (`…/Files/x`) is refused with the lakehouse's
 * own location in the message, so the entry always names the lakehouse itself.
 */
export function parseLocation(uri: string): LakehouseLocation {
  const { location, rest } = parseLakehouseUrl(uri);
  if (rest !== undefined) {
    throw new ConfigError(
      `Invalid lakehouse location '${uri}': it points inside the lakehouse (${rest}).`,
      `Use the lakehouse itself: ${location.uri}`,
    );
  }
  return location;
}

/**
 * Every form a user pastes, tolerant of a trailing `/Files/...` or `/Tables/...`:
 * - `onelake://<workspace>/<item>` (names may hold spaces, raw or %-encoded)
 * - `abfss://<workspace>@[<region>-]onelake.dfs.fabric.microsoft.com/<item>`
 * - `https://[<region>-]onelake.(dfs|blob).fabric.microsoft.com/<workspace>/<item>`
 * - `abfss://<container>@<account>.dfs.core.windows.net/<item>`, `https://<account>.(blob|dfs).core.windows.net/<container>/<item>`
 * - `azurite://<host>:<port>/<container>/<item>` for the local emulator.
 * Workspace and item may be names or GUIDs; a OneLake item name without its
 * type gets `.Lakehouse` (OneLake needs the type on names, not on GUIDs).
 */
export function parseLakehouseUrl(text: string): ParsedLakehouseUrl {
  const input = text.trim();
  const bad = (why: string) => new ConfigError(`Invalid lakehouse location '${text}': ${why}.`, HINT);
  const scheme = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/is.exec(input);
  if (!scheme) throw bad(/^\w+:/.test(input) ? `unknown form` : 'not a URL');
  const protocol = scheme[1]!.toLowerCase();
  // Query strings (a SAS, a Fabric deep link's parameters) and fragments are never part of a location.
  const body = scheme[2]!.replace(/[?#].*$/s, '');
  const uriOf = (withoutRest: string) => `${protocol}://${withoutRest}`;
  switch (protocol) {
    case 'onelake': {
      const [workspace, item, ...rest] = splitSegments(body);
      if (!workspace) throw bad('no workspace');
      if (!item) throw bad('expected a lakehouse item after the workspace');
      return finish(bad, 'onelake', ONELAKE_BLOB_URL, workspace, item, rest, (r) => stripRest(uriOf(body), r));
    }
    case 'abfss':
    case 'abfs': {
      const at = body.indexOf('/') < 0 ? body.lastIndexOf('@') : body.lastIndexOf('@', body.indexOf('/'));
      if (at <= 0) throw bad('expected abfss://<workspace>@onelake.dfs.fabric.microsoft.com/<item>');
      const container = decodeSegment(body.slice(0, at));
      const [host = '', ...path] = body.slice(at + 1).split('/');
      const [item, ...rest] = splitSegments(path.join('/'));
      if (!item) throw bad('expected abfss://<workspace>@onelake.dfs.fabric.microsoft.com/<item>');
      const endpoint = endpointOfHost(host);
      if (!endpoint) throw bad(`'${host}' is not a OneLake or ADLS endpoint`);
      return finish(bad, endpoint.kind, endpoint.accountUrl, container, item, rest, (r) => stripRest(uriOf(body), r));
    }
    case 'https': {
      let url: URL;
      try {
        url = new URL(`https://${body}`);
      } catch {
        throw bad('not a URL');
      }
      const endpoint = endpointOfHost(url.hostname);
      if (!endpoint) throw bad('not a OneLake or blob endpoint');
      const [container, item, ...rest] = splitSegments(url.pathname);
      if (!container || !item) throw bad('expected https://<host>/<workspace or container>/<item>');
      return finish(bad, endpoint.kind, endpoint.accountUrl, container, item, rest, (r) =>
        stripRest(`https://${url.host}${url.pathname}`, r),
      );
    }
    case 'azurite': {
      let url: URL;
      try {
        url = new URL(`http://${body}`);
      } catch {
        throw bad('not a URL');
      }
      if (!/:\d+$/.test(url.host)) throw bad('the emulator needs host:port, e.g. azurite://127.0.0.1:10000/…');
      const [container, item, ...rest] = splitSegments(url.pathname);
      if (!container || !item) throw bad('expected azurite://<host>:<port>/<container>/<item>');
      return finish(bad, 'azurite', `http://${url.host}/${AZURITE_ACCOUNT}`, container, item, rest, (r) =>
        stripRest(`azurite://${url.host}${url.pathname}`, r),
      );
    }
    default:
      throw bad(`unknown scheme '${protocol}'`);
  }
}

function finish(
  bad: (why: string) => Error,
  kind: LocationKind,
  accountUrl: string,
  container: string,
  rawItem: string,
  rest: string[],
  uriWithout: (rest: string[]) => string,
): ParsedLakehouseUrl {
  checkName(container, bad);
  checkName(rawItem, bad);
  const item =
    kind === 'onelake' && !isGuid(rawItem) && !/\.[A-Za-z]+$/.test(rawItem) ? `${rawItem}.Lakehouse` : rawItem;
  const location: LakehouseLocation = { uri: uriWithout(rest), kind, accountUrl, container, item };
  if (rest.length === 0) return { location };
  const [top, ...below] = rest;
  const folder = /^files$/i.test(top!) ? 'Files' : /^tables$/i.test(top!) ? 'Tables' : undefined;
  if (!folder) throw bad(`expected Files/ or Tables/ after the lakehouse item, not '${top}'`);
  for (const part of below) checkName(part, bad);
  return { location, rest: [folder, ...below].join('/') };
}

/** Path segments, each %-decoded when it is valid %-encoding and kept as typed otherwise. */
function splitSegments(path: string): string[] {
  return path
    .split('/')
    .filter((s) => s.length > 0)
    .map(decodeSegment);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment; // a literal '%' in a name
  }
}

/** The text of the location without the segments that point inside it (keeps the user's own spelling). */
function stripRest(text: string, rest: string[]): string {
  let out = text.replace(/\/+$/, '');
  for (let i = 0; i < rest.length; i++) out = out.replace(/\/[^/]*\/*$/, '');
  return out;
}

export function isGuid(name: string): boolean {
  return GUID.test(name);
}

/** The Blob API root for a host a user pasted (dfs or blob, global or regional OneLake, or an account). */
function endpointOfHost(host: string): { kind: LocationKind; accountUrl: string } | undefined {
  const onelake = ONELAKE_HOST.exec(host);
  if (onelake) {
    const region = onelake[1] ? `${onelake[1].toLowerCase()}-` : '';
    return { kind: 'onelake', accountUrl: `https://${region}onelake.blob.fabric.microsoft.com` };
  }
  const account = ACCOUNT_HOST.exec(host);
  if (account) return { kind: 'blob', accountUrl: `https://${account[1]!.toLowerCase()}.blob.core.windows.net` };
  return undefined;
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

/** The dfs host that pairs with a OneLake or account blob root (`…blob…` → `…dfs…`). */
export function dfsHost(location: LakehouseLocation): string | undefined {
  if (location.kind === 'azurite') return undefined;
  return new URL(location.accountUrl).hostname.replace('.blob.', '.dfs.');
}

/** The URL other tools (DuckDB, Spark) use for the lakehouse's Tables folder; stored as the catalog's data_path. */
export function tablesUrl(location: LakehouseLocation): string {
  switch (location.kind) {
    case 'onelake':
      return `abfss://${location.container}@${dfsHost(location)}/${location.item}/Tables/`;
    case 'azurite':
    case 'blob':
      return `az://${location.container}/${location.item}/Tables/`;
  }
}

export function describeLocation(location: LakehouseLocation): string {
  switch (location.kind) {
    case 'onelake': {
      const region = /^https:\/\/([a-z0-9]+)-onelake\./.exec(location.accountUrl)?.[1];
      return `OneLake${region ? ` (${region})` : ''} ${location.container}/${location.item}`;
    }
    case 'azurite':
      return `Azurite ${new URL(location.accountUrl).host} ${location.container}/${location.item}`;
    case 'blob':
      return `${new URL(location.accountUrl).hostname} ${location.container}/${location.item}`;
  }
}
