import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy sees of a request: enough to pick one storage operation. */
export interface ProxiedRequest {
  method: string;
  /** URL path, e.g. `/devstoreaccount1/ws-1/test.Lakehouse/Files/metadata.db`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
}

/**
 * A fault on one operation:
 * - `drop-response`: the request reaches Azurite and is applied, then the client's connection is reset
 *   instead of answering (the lost response that makes a retry ambiguous);
 * - `reset`: the connection is reset before anything is forwarded (nothing applied);
 * - `reset-mid-body`: forwarded and answered with headers and part of the body, then reset (an
 *   answer without a body is cut inside its status line);
 * - `status`: answered by the proxy with 500/503 (and Retry-After), nothing forwarded;
 * - `latency`: forwarded after a delay;
 * - `stall`: held until the test calls `release()` on the rule, then forwarded; a request whose
 *   client gave up first (its own timeout) is never forwarded (the service never saw it);
 * - `stall-response`: forwarded and applied, then the answer is held until the client gives up
 *   (or `release()`): a write that landed while its client heard nothing.
 */
export type Fault =
  | { kind: 'drop-response' }
  | { kind: 'reset' }
  | { kind: 'reset-mid-body' }
  | { kind: 'status'; status: 500 | 503; retryAfterSeconds?: number }
  | { kind: 'latency'; ms: number }
  | { kind: 'stall' }
  | { kind: 'stall-response' };

export interface FaultRule {
  match: (request: ProxiedRequest) => boolean;
  fault: Fault;
  /** How many matching requests get the fault (default 1; Infinity for all). */
  times?: number;
  /** Only active once this other rule has fired at least once (e.g. "after the commit landed"). */
  after?: RuleHandle;
}

export interface RuleHandle {
  /** Requests this rule faulted so far. */
  readonly hits: number;
  /** Lets stalled requests through and stops stalling new ones. */
  release(): void;
  /** Resolves when the rule has fired `n` times. */
  fired(n?: number): Promise<void>;
}

export interface ProxyLogEntry {
  method: string;
  path: string;
  comp?: string;
  status?: number;
  fault?: Fault['kind'];
}

class Rule implements RuleHandle {
  hits = 0;
  private released = false;
  private readonly waiters: Array<{ n: number; resolve: () => void }> = [];
  private readonly stalled: Array<() => void> = [];

  constructor(readonly spec: FaultRule) {}

  active(request: ProxiedRequest): boolean {
    if (this.released && this.spec.fault.kind.startsWith('stall')) return false;
    if (this.hits >= (this.spec.times ?? 1)) return false;
    if (this.spec.after && this.spec.after.hits === 0) return false;
    return this.spec.match(request);
  }

  fire(): void {
    this.hits++;
    for (const w of this.waiters.filter((w) => this.hits >= w.n)) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      w.resolve();
    }
  }

  /** Resolves on `release()`, or with false when `gaveUp` (the client closed) comes first. */
  stall(gaveUp: Promise<void>): Promise<boolean> {
    if (this.released) return Promise.resolve(true);
    return Promise.race([
      new Promise<boolean>((resolve) => this.stalled.push(() => resolve(true))),
      gaveUp.then(() => false),
    ]);
  }

  release(): void {
    this.released = true;
    this.stalled.splice(0).forEach((go) => go());
  }

  fired(n = 1): Promise<void> {
    if (this.hits >= n) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }
}

/**
 * A loopback HTTP proxy between the storage SDK and Azurite that applies
 * faults per operation. Point a location at it (`azurite://127.0.0.1:<port>/…`);
 * SharedKey signatures do not cover the host, so Azurite accepts the requests.
 */
export class FaultProxy {
  readonly log: ProxyLogEntry[] = [];
  private rules: Rule[] = [];

  private constructor(
    private readonly server: Server,
    private readonly upstream: URL,
  ) {}

  /** `upstream` is Azurite's blob endpoint, e.g. `http://127.0.0.1:10000/devstoreaccount1`. */
  static async start(upstream: string): Promise<FaultProxy> {
    const target = new URL(upstream);
    const server = createServer();
    const proxy = new FaultProxy(server, target);
    server.on('request', (req, res) => void proxy.handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** `host:port` to put into an `azurite://` location. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  add(rule: FaultRule): RuleHandle {
    const r = new Rule(rule);
    this.rules.push(r);
    return r;
  }

  /** Removes every rule (stalled requests go through). */
  clear(): void {
    this.rules.forEach((r) => r.release());
    this.rules = [];
  }

  async close(): Promise<void> {
    this.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://proxy');
    const request: ProxiedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
    };
    const rule = this.rules.find((r) => r.active(request));
    const entry: ProxyLogEntry = {
      method: request.method,
      path: request.path,
      comp: url.searchParams.get('comp') ?? undefined,
    };
    this.log.push(entry);
    const body = await readBody(req);
    const gaveUp = new Promise<void>((resolve) => req.socket.once('close', () => resolve()));
    const fault = rule?.spec.fault;
    if (rule) {
      rule.fire();
      entry.fault = fault!.kind;
    }
    switch (fault?.kind) {
      case 'reset':
        req.socket.destroy();
        return;
      case 'status':
        res.writeHead(fault.status, {
          'content-type': 'application/xml',
          ...(fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {}),
        });
        res.end(
          `<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>injected ${fault.status}</Message></Error>`,
        );
        entry.status = fault.status;
        return;
      case 'latency':
        await new Promise((resolve) => setTimeout(resolve, fault.ms));
        break;
      case 'stall':
        if (!(await rule!.stall(gaveUp))) {
          entry.status = 0; // never forwarded: the client gave up first
          return;
        }
        break;
      default:
        break;
    }
    let upstream: { status: number; headers: IncomingMessage['headers']; body: Buffer };
    try {
      upstream = await this.forward(req, url, body);
    } catch {
      req.socket.destroy();
      return;
    }
    entry.status = upstream.status;
    if (fault?.kind === 'stall-response' && !(await rule!.stall(gaveUp))) return;
    if (fault?.kind === 'drop-response') {
      // Applied upstream; the client never learns the outcome.
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'reset-mid-body' && upstream.body.length > 1) {
      res.writeHead(upstream.status, upstream.headers);
      res.write(upstream.body.subarray(0, Math.floor(upstream.body.length / 2)));
      setImmediate(() => req.socket.destroy());
      return;
    }
    if (fault?.kind === 'reset-mid-body') {
      // No body to cut (a Put's or HEAD's answer): cut the status line itself.
      req.socket.end(`HTTP/1.1 ${String(upstream.status).slice(0, 2)}`, () => req.socket.destroy());
      return;
    }
    res.writeHead(upstream.status, upstream.headers);
    res.end(upstream.body);
  }

  private forward(
    req: IncomingMessage,
    url: URL,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const out = httpRequest(
        {
          host: this.upstream.hostname,
          port: this.upstream.port,
          method: req.method,
          path: `${url.pathname}${url.search}`,
          headers: { ...req.headers, host: this.upstream.host, connection: 'close' },
        },
        (response) => {
          readBody(response).then(
            (data) => resolve({ status: response.statusCode ?? 502, headers: response.headers, body: data }),
            reject,
          );
        },
      );
      out.on('error', reject);
      out.end(body);
    });
  }
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/** Matchers for the storage operations the faults target. */
export const op = {
  /** Put Blob (or Put Block List) of the catalog: the commit point. */
  catalogPut:
    (catalog = '/Files/metadata.db') =>
    (r: ProxiedRequest) =>
      r.method === 'PUT' && r.path.endsWith(catalog) && (!r.query.has('comp') || r.query.get('comp') === 'blocklist'),
  /** Get Blob Properties (HEAD) of the catalog. */
  catalogHead:
    (catalog = '/Files/metadata.db') =>
    (r: ProxiedRequest) =>
      r.method === 'HEAD' && r.path.endsWith(catalog),
  /** Get Blob (download) of the catalog. */
  catalogGet:
    (catalog = '/Files/metadata.db') =>
    (r: ProxiedRequest) =>
      r.method === 'GET' && r.path.endsWith(catalog) && !r.query.has('comp'),
  /** A lease action (acquire, release, break, renew, change) on any blob. */
  lease: (action: 'acquire' | 'release' | 'break' | 'renew' | 'change') => (r: ProxiedRequest) =>
    r.method === 'PUT' && r.query.get('comp') === 'lease' && r.headers['x-ms-lease-action'] === action,
};

/** Every fault the proxy offers, as the per-verb matrices run them (a stall needs a short client timeout). */
export const EVERY_FAULT: Array<[string, Fault]> = [
  ['response dropped after it was applied', { kind: 'drop-response' }],
  ['connection reset mid-body', { kind: 'reset-mid-body' }],
  ['500', { kind: 'status', status: 500 }],
  ['503 with Retry-After', { kind: 'status', status: 503, retryAfterSeconds: 1 }],
  ['latency', { kind: 'latency', ms: 400 }],
  ['stall before the service', { kind: 'stall' }],
  ['stall after it was applied', { kind: 'stall-response' }],
];

/** The client-side stall timeout the matrices give the CLI: short, so a stalled try is given up soon. */
export const TEST_STALL_TIMEOUT_MS = 3_000;

/** Set Blob Metadata on the catalog: the lease stamp, and the release mark. */
export const catalogMetadataPut = (r: ProxiedRequest) =>
  r.method === 'PUT' && r.path.endsWith('/Files/metadata.db') && r.query.get('comp') === 'metadata';
