import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StorageSharedKeyCredential } from '@azure/storage-blob';
import { AZURITE_ACCOUNT, AZURITE_KEY } from '../../src/core/storage/azurite';

/**
 * The test rig's OneLake: a loopback HTTP server in front of strict Azurite
 * that speaks OneLake's Blob API shape and enforces the rules OneLake documents
 * and its users report (docs/ONELAKE.md lists them). One of the two permitted
 * stand-ins (the other is the fake Fabric REST server).
 *
 * - Paths are `/<workspace>/<item>/<path>`; workspace and item by name or GUID.
 *   A workspace is an Azurite container the proxy manages (names with spaces
 *   and capitals are mapped); an item is its `<name>.<Type>` folder.
 * - Any bearer token is accepted and the request is re-signed to Azurite with
 *   its shared key; no token (or a shared key) answers 401.
 * - Workspace and item folders cannot be created or deleted (403).
 * - ACL, owner, group, permissions, umask, access-tier and encryption-scope
 *   headers are ignored: stripped, and named in `x-ms-rejected-headers`.
 * - Put Block / Put Block List onto an existing file: 409 BlobOperationNotSupported.
 */
export interface OneLakeProxyOptions {
  /** Azurite's account URL (`http://127.0.0.1:<port>/devstoreaccount1`). */
  azurite: string | { accountUrl: string };
  host?: string;
}

export interface ProxyLakehouse {
  workspace: string;
  workspaceId: string;
  /** The item folder, `<name>.Lakehouse`. */
  item: string;
  itemId: string;
  /** The Azurite container that holds the workspace. */
  container: string;
}

export interface ProxyRequests {
  total: number;
  /** By Blob API operation: PutBlob, PutBlock, PutBlockList, GetBlob, GetBlobProperties, LeaseAcquire, ListBlobs, … */
  byOperation: Record<string, number>;
  /** Refused by a OneLake rule, by error code. */
  refused: Record<string, number>;
}

export interface OneLakeProxy {
  /** The Blob API root, OneLake-shaped: `http://127.0.0.1:<port>` (set LAKEHOUSE_ONELAKE_ENDPOINT to it). */
  blobEndpoint: string;
  readonly requests: ProxyRequests;
  reset(): void;
  /** Registers a workspace (created in Azurite on first use) and a lakehouse item in it. */
  addLakehouse(opts: {
    workspace: string;
    item: string;
    workspaceId?: string;
    itemId?: string;
  }): Promise<ProxyLakehouse>;
  /** Makes the proxy ignore (strip and report) more headers, as if OneLake stopped honouring them. Test knob. */
  ignoreHeaders(names: string[]): void;
  /**
   * Moves the service's clock (the Date header of every answer) by `ms`, as if that much time had
   * passed on OneLake since its blobs were written: lease age is judged on this clock. Test knob.
   */
  advanceClock(ms: number): void;
  stop(): Promise<void>;
}

/** Headers OneLake documents as ignored (echoed in x-ms-rejected-headers). */
export const ONELAKE_IGNORED_HEADERS = [
  'x-ms-acl',
  'x-ms-owner',
  'x-ms-group',
  'x-ms-permissions',
  'x-ms-umask',
  'x-ms-access-tier',
  'x-ms-encryption-scope',
];

interface Workspace {
  name: string;
  id: string;
  container: string;
  items: { name: string; id: string }[];
}

const HOP_BY_HOP = new Set(['host', 'connection', 'authorization', 'keep-alive', 'transfer-encoding']);

export async function startOneLakeProxy(options: OneLakeProxyOptions): Promise<OneLakeProxy> {
  const azurite = new URL(typeof options.azurite === 'string' ? options.azurite : options.azurite.accountUrl);
  const signer = new StorageSharedKeyCredential(AZURITE_ACCOUNT, AZURITE_KEY);
  const workspaces: Workspace[] = [];
  const ignored = new Set(ONELAKE_IGNORED_HEADERS);
  let clockMs = 0;
  const requests: ProxyRequests = { total: 0, byOperation: {}, refused: {} };
  let blobEndpoint = '';

  const findWorkspace = (key: string) =>
    workspaces.find((w) => w.id.toLowerCase() === key.toLowerCase() || w.name === key);

  /** Sends one request to Azurite, signed with its shared key; the body is streamed when given. */
  const toAzurite = (
    method: string,
    path: string,
    query: string,
    headers: Record<string, string>,
    body?: IncomingMessage,
  ): Promise<IncomingMessage> => {
    const url = `${azurite.origin}/${AZURITE_ACCOUNT}${path}${query}`;
    const signed = signRequest(signer, method, url, headers);
    return new Promise((resolve, reject) => {
      const req = httpRequest(url, { method, headers: signed }, resolve);
      req.on('error', reject);
      if (body) body.pipe(req);
      else req.end();
    });
  };

  const ensureContainer = async (container: string) => {
    const res = await toAzurite('PUT', `/${container}`, '?restype=container', {
      'x-ms-version': '2021-12-02',
      'content-length': '0',
    });
    res.resume();
    if (res.statusCode !== 201 && res.statusCode !== 409)
      throw new Error(`Azurite create ${container}: ${res.statusCode}`);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', blobEndpoint);
    const method = (req.method ?? 'GET').toUpperCase();
    const operation = classify(method, url.searchParams, req.headers);
    requests.total += 1;
    requests.byOperation[operation] = (requests.byOperation[operation] ?? 0) + 1;
    const refuse = (status: number, code: string, message: string) => {
      requests.refused[code] = (requests.refused[code] ?? 0) + 1;
      req.resume();
      const body = `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}\nRequestId:${randomUUID()}</Message></Error>`;
      res.writeHead(status, { 'content-type': 'application/xml', 'x-ms-error-code': code });
      res.end(method === 'HEAD' ? undefined : body);
    };

    const auth = req.headers.authorization ?? '';
    if (!/^Bearer \S+/.test(auth)) {
      return refuse(401, 'InvalidAuthenticationInfo', 'OneLake accepts Microsoft Entra bearer tokens only.');
    }
    const segments = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const [wsKey, itemKey, ...rest] = segments;
    if (!wsKey) return refuse(403, 'OperationNotPermitted', 'Account-level operations are not supported by OneLake.');
    const workspace = findWorkspace(wsKey);
    if (!workspace) return refuse(404, 'ContainerNotFound', `Workspace '${wsKey}' does not exist.`);
    const writes = method === 'PUT' || method === 'DELETE' || method === 'POST';
    if (!itemKey) {
      if (
        url.searchParams.get('restype') === 'container' &&
        url.searchParams.get('comp') === 'list' &&
        method === 'GET'
      ) {
        return forwardList(req, res, url, workspace);
      }
      if (writes || url.searchParams.get('restype') === 'container') {
        return refuse(403, 'OperationNotPermitted', 'Workspaces cannot be created or deleted through OneLake.');
      }
      return refuse(400, 'InvalidUri', 'Expected /<workspace>/<item>/<path>.');
    }
    const item = workspace.items.find((i) => i.id.toLowerCase() === itemKey.toLowerCase() || i.name === itemKey);
    if (!item) {
      if (writes) return refuse(403, 'OperationNotPermitted', 'Items cannot be created through OneLake.');
      return refuse(404, 'BlobNotFound', `Item '${itemKey}' does not exist in workspace '${workspace.name}'.`);
    }
    if (rest.length === 0 && writes) {
      return refuse(403, 'OperationNotPermitted', 'Item folders cannot be created or deleted through OneLake.');
    }
    const blobPath = `/${workspace.container}/${[item.name, ...rest].map(encodeURIComponent).join('/')}`;

    // Blocks may only build a NEW file: onto an existing one OneLake answers 409.
    if (operation === 'PutBlock' || operation === 'PutBlockList') {
      const head = await toAzurite('HEAD', blobPath, '', { 'x-ms-version': '2021-12-02' });
      head.resume();
      if (head.statusCode === 200) {
        return refuse(
          409,
          'BlobOperationNotSupported',
          'Put Block and Put Block List are not supported on an existing file in OneLake.',
        );
      }
    }

    const headers: Record<string, string> = {};
    const rejected: string[] = [];
    for (const [name, value] of Object.entries(req.headers)) {
      const key = name.toLowerCase();
      if (HOP_BY_HOP.has(key) || value === undefined) continue;
      if (ignored.has(key)) {
        rejected.push(key);
        continue;
      }
      headers[key] = Array.isArray(value) ? value.join(', ') : value;
    }
    if (headers['x-ms-copy-source']) headers['x-ms-copy-source'] = mapCopySource(headers['x-ms-copy-source']);
    const upstream = await toAzurite(method, blobPath, url.search, headers, req);
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(upstream.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
    }
    if (rejected.length > 0) out['x-ms-rejected-headers'] = rejected.join(',');
    if (clockMs !== 0 && typeof out.date === 'string')
      out.date = new Date(Date.parse(out.date) + clockMs).toUTCString();
    res.writeHead(upstream.statusCode ?? 502, out);
    upstream.pipe(res);
  };

  /** Copy Blob's source is a OneLake URL: point it at the same blob in Azurite. */
  const mapCopySource = (source: string): string => {
    const url = new URL(source);
    const [wsKey, itemKey, ...rest] = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const workspace = wsKey ? findWorkspace(wsKey) : undefined;
    const item = workspace?.items.find((i) => i.id.toLowerCase() === itemKey?.toLowerCase() || i.name === itemKey);
    if (!workspace || !item) return source;
    const path = [workspace.container, item.name, ...rest].map(encodeURIComponent).join('/');
    return `${azurite.origin}/${AZURITE_ACCOUNT}/${path}${url.search}`;
  };

  /** List Blobs: a prefix that names the item by GUID is listed under its folder and answered in GUID terms. */
  const forwardList = async (req: IncomingMessage, res: ServerResponse, url: URL, workspace: Workspace) => {
    const params = new URLSearchParams(url.search);
    const prefix = params.get('prefix') ?? '';
    const [first = '', ...after] = prefix.split('/');
    const byId = workspace.items.find((i) => i.id.toLowerCase() === first.toLowerCase());
    if (byId) params.set('prefix', [byId.name, ...after].join('/'));
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!HOP_BY_HOP.has(name) && typeof value === 'string') headers[name] = value;
    }
    const upstream = await toAzurite('GET', `/${workspace.container}`, `?${params.toString()}`, headers);
    const chunks: Buffer[] = [];
    for await (const chunk of upstream) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks).toString('utf8');
    if (byId) {
      const escaped = byId.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      body = body.replace(new RegExp(`<(Name|Prefix)>${escaped}/`, 'g'), `<$1>${byId.id}/`);
    }
    const out: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(upstream.headers)) {
      if (value !== undefined && !HOP_BY_HOP.has(name) && name !== 'content-length') out[name] = value;
    }
    res.writeHead(upstream.statusCode ?? 502, out);
    res.end(body);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'x-ms-error-code': 'ProxyError' });
      res.end(String(error));
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  blobEndpoint = `http://${host}:${(server.address() as AddressInfo).port}`;

  return {
    blobEndpoint,
    requests,
    reset() {
      requests.total = 0;
      for (const key of Object.keys(requests.byOperation)) delete requests.byOperation[key];
      for (const key of Object.keys(requests.refused)) delete requests.refused[key];
    },
    async addLakehouse(opts) {
      const itemName = /\.[A-Za-z]+$/.test(opts.item) ? opts.item : `${opts.item}.Lakehouse`;
      let workspace = findWorkspace(opts.workspaceId ?? opts.workspace);
      if (!workspace) {
        workspace = {
          name: opts.workspace,
          id: opts.workspaceId ?? randomUUID(),
          container: containerName(opts.workspace),
          items: [],
        };
        await ensureContainer(workspace.container);
        workspaces.push(workspace);
      }
      let item = workspace.items.find((i) => i.name === itemName);
      if (!item) {
        item = { name: itemName, id: opts.itemId ?? randomUUID() };
        workspace.items.push(item);
      }
      return {
        workspace: workspace.name,
        workspaceId: workspace.id,
        item: item.name,
        itemId: item.id,
        container: workspace.container,
      };
    },
    ignoreHeaders(names) {
      for (const name of names) ignored.add(name.toLowerCase());
    },
    advanceClock(ms) {
      clockMs += ms;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Azurite containers are 3–63 of [a-z0-9-]; workspace names are not: map them, unique per registration. */
function containerName(workspace: string): string {
  const slug = workspace
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `ol-${slug || 'ws'}-${randomUUID().slice(0, 8)}`;
}

/** The Blob API operation a request is, for the counter. */
export function classify(
  method: string,
  query: URLSearchParams,
  headers: Record<string, string | string[] | undefined>,
): string {
  const comp = query.get('comp');
  const container = query.get('restype') === 'container';
  switch (method) {
    case 'HEAD':
      return container ? 'GetContainerProperties' : 'GetBlobProperties';
    case 'GET':
      if (comp === 'list') return 'ListBlobs';
      if (comp === 'blocklist') return 'GetBlockList';
      if (comp === 'metadata') return 'GetBlobMetadata';
      return container ? 'GetContainerProperties' : 'GetBlob';
    case 'DELETE':
      return container ? 'DeleteContainer' : 'DeleteBlob';
    case 'PUT': {
      if (container) return comp ? `SetContainer:${comp}` : 'CreateContainer';
      if (comp === 'block') return 'PutBlock';
      if (comp === 'blocklist') return 'PutBlockList';
      if (comp === 'metadata') return 'SetBlobMetadata';
      if (comp === 'properties') return 'SetBlobProperties';
      if (comp === 'lease') {
        const action = String(headers['x-ms-lease-action'] ?? '');
        return `Lease${action.charAt(0).toUpperCase()}${action.slice(1)}`;
      }
      if (comp) return `Put:${comp}`;
      return headers['x-ms-copy-source'] ? 'CopyBlob' : 'PutBlob';
    }
    default:
      return method;
  }
}

/** Signs a request for Azurite with its shared key, through the SDK's own signer. */
function signRequest(
  credential: StorageSharedKeyCredential,
  method: string,
  url: string,
  headers: Record<string, string>,
): Record<string, string> {
  const map = new Map<string, { name: string; value: string }>();
  for (const [name, value] of Object.entries(headers)) map.set(name.toLowerCase(), { name, value });
  map.set('x-ms-date', { name: 'x-ms-date', value: new Date().toUTCString() });
  const webResource = {
    method,
    url,
    body: undefined,
    headers: {
      get: (name: string) => map.get(name.toLowerCase())?.value,
      set: (name: string, value: string | number) => map.set(name.toLowerCase(), { name, value: String(value) }),
      headersArray: () => [...map.values()],
    },
  };
  const noop = { sendRequest: () => Promise.reject(new Error('not sent')) };
  const policy = credential.create(noop as never, {} as never) as unknown as {
    signRequest(request: typeof webResource): void;
  };
  policy.signRequest(webResource);
  const out: Record<string, string> = {};
  for (const { name, value } of map.values()) out[name.toLowerCase()] = value;
  return out;
}
