// A loopback stand-in for the Fabric REST API (v1), following the documented shapes:
// List Workspaces / Get Workspace / List Lakehouses with continuationToken + continuationUri,
// 429 + Retry-After, and the error envelope (errorCode, message, requestId, moreDetails).
// Tokens are JWT-shaped strings this server issued; each names one tenant and one user.
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeLakehouse {
  id: string;
  displayName: string;
  /** A schema-enabled lakehouse reports its default schema. */
  defaultSchema?: string;
}

export interface FakeWorkspace {
  id: string;
  displayName: string;
  type?: string;
  lakehouses: FakeLakehouse[];
  /** Users (upn) with no role here: listing its lakehouses answers 403. Others see it. */
  noRoleFor?: string[];
}

export interface FakeTenant {
  workspaces: FakeWorkspace[];
}

export interface FakeFabricOptions {
  tenants: Record<string, FakeTenant>;
  /** Items per page of every list call. Default 2, so small fixtures span pages. */
  pageSize?: number;
  /** What Get Workspace reports as oneLakeEndpoints (e.g. a loopback blob endpoint). */
  oneLakeEndpoints?: { blobEndpoint: string; dfsEndpoint: string };
}

export interface FakeRequest {
  method: string;
  path: string;
  tenant?: string;
  status: number;
}

export interface FakeFabric {
  /** The API base, like https://api.fabric.microsoft.com/v1. */
  url: string;
  /** A bearer token for `user` in `tenant`, as an identity platform would issue. */
  issueToken(tenant: string, user?: string): string;
  /** Makes later calls with this token answer 401 (expired / revoked). */
  revoke(token: string): void;
  /** The next `count` API calls answer 429 with Retry-After `seconds`. */
  throttle(count: number, seconds: number): void;
  /** Every request answered, in order. */
  readonly requests: FakeRequest[];
  stop(): Promise<void>;
}

interface Issued {
  tenant: string;
  user: string;
  revoked: boolean;
}

export async function startFakeFabric(options: FakeFabricOptions): Promise<FakeFabric> {
  const pageSize = options.pageSize ?? 2;
  const tokens = new Map<string, Issued>();
  const cursors = new Map<string, number>();
  const requests: FakeRequest[] = [];
  let throttled = 0;
  let throttleSeconds = 1;
  let base = '';

  const send = (res: ServerResponse, req: FakeRequest, status: number, body: unknown, headers = {}) => {
    req.status = status;
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      requestid: randomUUID(),
      ...headers,
    });
    res.end(JSON.stringify(body));
  };
  const envelope = (
    errorCode: string,
    message: string,
    moreDetails?: Array<{ errorCode: string; message: string }>,
  ) => ({
    requestId: randomUUID(),
    errorCode,
    message,
    ...(moreDetails ? { moreDetails } : {}),
  });

  /** A page of `all` starting where the request's continuationToken says, with both continuation forms. */
  const page = <T>(url: URL, all: T[]) => {
    const token = url.searchParams.get('continuationToken');
    const start = token ? cursors.get(token) : 0;
    if (start === undefined) return undefined;
    const end = start + pageSize;
    const body: { value: T[]; continuationToken?: string; continuationUri?: string } = {
      value: all.slice(start, end),
    };
    if (end < all.length) {
      const next = randomBytes(12).toString('base64url');
      cursors.set(next, end);
      const uri = new URL(url.pathname, base);
      uri.searchParams.set('continuationToken', next);
      body.continuationToken = next;
      body.continuationUri = uri.toString();
    }
    return body;
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', base);
    const record: FakeRequest = { method: req.method ?? 'GET', path: url.pathname + url.search, status: 0 };
    requests.push(record);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const issued = bearer ? tokens.get(bearer) : undefined;
    if (!issued || issued.revoked) {
      return send(
        res,
        record,
        401,
        envelope(issued ? 'TokenExpired' : 'InvalidToken', 'Access token is missing, invalid or expired.'),
        { 'www-authenticate': 'Bearer realm="", error="invalid_token"' },
      );
    }
    record.tenant = issued.tenant;
    if (throttled > 0) {
      throttled -= 1;
      return send(
        res,
        record,
        429,
        envelope('RequestBlocked', `Request is blocked by the upstream service until: ${throttleSeconds} seconds`),
        { 'retry-after': String(throttleSeconds) },
      );
    }
    if (req.method !== 'GET') return send(res, record, 405, envelope('MethodNotAllowed', 'Only GET is faked.'));
    const tenant = options.tenants[issued.tenant] ?? { workspaces: [] };
    const parts = url.pathname
      .replace(/^\/v1\/?/, '')
      .split('/')
      .filter(Boolean)
      .map(decodeURIComponent);
    const visible = tenant.workspaces;
    const find = (id: string) => visible.find((w) => w.id === id);
    const workspaceShape = (w: FakeWorkspace) => ({
      id: w.id,
      displayName: w.displayName,
      description: '',
      type: w.type ?? 'Workspace',
      capacityId: '00000000-0000-0000-0000-00000000c0de',
    });
    const badToken = () =>
      send(res, record, 400, envelope('InvalidContinuationToken', 'The continuation token is not valid.'));

    if (parts.length === 1 && parts[0] === 'workspaces') {
      const body = page(url, visible.map(workspaceShape));
      return body ? send(res, record, 200, body) : badToken();
    }
    if (parts[0] === 'workspaces' && parts[1]) {
      const workspace = find(parts[1]);
      // Fabric does not say whether a workspace in another tenant exists.
      if (!workspace)
        return send(res, record, 404, envelope('WorkspaceNotFound', 'The requested workspace was not found.'));
      if (parts.length === 2) {
        return send(res, record, 200, {
          ...workspaceShape(workspace),
          capacityAssignmentProgress: 'Completed',
          oneLakeEndpoints: options.oneLakeEndpoints ?? {
            blobEndpoint: 'https://onelake.blob.fabric.microsoft.com',
            dfsEndpoint: 'https://onelake.dfs.fabric.microsoft.com',
          },
        });
      }
      if (parts.length === 3 && parts[2] === 'lakehouses') {
        if (workspace.noRoleFor?.includes(issued.user)) {
          return send(
            res,
            record,
            403,
            envelope(
              'InsufficientPrivileges',
              'The caller does not have sufficient permissions to perform the operation.',
              [{ errorCode: 'WorkspaceRoleRequired', message: 'The caller has no role in this workspace.' }],
            ),
          );
        }
        const body = page(
          url,
          workspace.lakehouses.map((l) => ({
            id: l.id,
            type: 'Lakehouse',
            displayName: l.displayName,
            description: '',
            workspaceId: workspace.id,
            properties: {
              oneLakeTablesPath: `https://onelake.dfs.fabric.microsoft.com/${workspace.id}/${l.id}/Tables`,
              oneLakeFilesPath: `https://onelake.dfs.fabric.microsoft.com/${workspace.id}/${l.id}/Files`,
              ...(l.defaultSchema ? { defaultSchema: l.defaultSchema } : {}),
            },
          })),
        );
        return body ? send(res, record, 200, body) : badToken();
      }
    }
    return send(res, record, 404, envelope('EntityNotFound', `No route ${url.pathname}.`));
  };

  const server = createServer((req, res) => {
    try {
      handle(req, res);
    } catch (error) {
      res.writeHead(500);
      res.end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://127.0.0.1:${port}`;
  return {
    url: `${base}/v1`,
    issueToken(tenant, user = 'dev@contoso.example') {
      // JWT-shaped (unsigned) so the client reads tid/upn/exp as from a real token; the server trusts only its own list.
      const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      const claims = {
        aud: 'https://api.fabric.microsoft.com',
        tid: tenant,
        upn: user,
        exp: Math.floor(Date.now() / 1000) + 3600,
      };
      const token = `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.${randomBytes(16).toString('base64url')}`;
      tokens.set(token, { tenant, user, revoked: false });
      return token;
    },
    revoke(token) {
      const issued = tokens.get(token);
      if (issued) issued.revoked = true;
    },
    throttle(count, seconds) {
      throttled = count;
      throttleSeconds = seconds;
    },
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
