import { createServer, request, type Server } from 'node:http';
import type { RequestCounts } from '../../../src/core/query/types';

/**
 * A loopback HTTP proxy in front of Azurite that counts every request by kind
 * (listing, Delta log, data), independently of the engine's own counting.
 */
export async function countingProxy(target: URL): Promise<{
  port: number;
  counts(): RequestCounts;
  reset(): void;
  close(): Promise<void>;
}> {
  let counts = { log: 0, list: 0, data: 0 };
  const server: Server = createServer((incoming, outgoing) => {
    const url = incoming.url ?? '';
    if (/[?&]comp=list/.test(url)) counts.list++;
    else if (decodeURIComponent(url).includes('/_delta_log/')) counts.log++;
    else counts.data++;
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: incoming.method,
        path: url,
        headers: { ...incoming.headers, host: target.host },
      },
      (response) => {
        outgoing.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(outgoing);
      },
    );
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    counts: () => ({ ...counts, total: counts.log + counts.list + counts.data }),
    reset: () => {
      counts = { log: 0, list: 0, data: 0 };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
