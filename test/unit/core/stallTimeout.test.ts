import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../../src/core/errors';
import {
  RequestStalledError,
  stallTimeoutFromEnv,
  stallTimeoutPolicy,
  STALL_TIMEOUT_ENV,
} from '../../../src/core/storage/stallTimeout';

interface FakeRequest {
  method: string;
  url: string;
  headers: { set(name: string, value: string): void };
  abortSignal?: AbortSignal;
  onUploadProgress?: (p: { loadedBytes: number }) => void;
}

const request = (extra: Partial<FakeRequest> = {}): FakeRequest => ({
  method: 'GET',
  url: 'http://127.0.0.1/x',
  headers: { set: () => undefined },
  ...extra,
});

/** A `next` that answers only when the attempt's signal aborts (as the SDK's HTTP client does). */
function silentNext(seen: { signal?: AbortSignal; request?: FakeRequest }) {
  return (req: never) => {
    const r = req as FakeRequest;
    seen.signal = r.abortSignal;
    seen.request = r;
    return new Promise<never>((_, reject) =>
      r.abortSignal?.addEventListener('abort', () => reject(new Error('The operation was aborted.'))),
    );
  };
}

describe('stall timeout setting', () => {
  it('reads milliseconds from the environment, and refuses nonsense with the variable named', () => {
    expect(stallTimeoutFromEnv({})).toBeUndefined();
    expect(stallTimeoutFromEnv({ [STALL_TIMEOUT_ENV]: '3000' })).toBe(3000);
    expect(() => stallTimeoutFromEnv({ [STALL_TIMEOUT_ENV]: 'soon' })).toThrow(ConfigError);
    expect(() => stallTimeoutFromEnv({ [STALL_TIMEOUT_ENV]: '5' })).toThrow(/LAKEHOUSE_STALL_TIMEOUT_MS='5'/);
  });
});

describe('stall timeout policy', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('gives up a request with no answer as a retriable timeout, and aborts the attempt on the wire', async () => {
    const seen: { signal?: AbortSignal } = {};
    const req = request();
    const sent = stallTimeoutPolicy(1_000).sendRequest(req, silentNext(seen));
    const outcome = sent.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(1_001);
    const error = await outcome;
    expect(error).toBeInstanceOf(RequestStalledError);
    // The storage retry policy retries errors whose code is a network timeout.
    expect((error as RequestStalledError).code).toBe('ETIMEDOUT');
    expect(seen.signal?.aborted).toBe(true);
    // The request goes back to the retry policy as it came (its next try gets a fresh clock).
    expect(req.abortSignal).toBeUndefined();
  });

  it('never turns the caller’s cancel into a timeout', async () => {
    const cancel = new AbortController();
    const seen: { signal?: AbortSignal } = {};
    const sent = stallTimeoutPolicy(1_000).sendRequest(request({ abortSignal: cancel.signal }), silentNext(seen));
    const outcome = sent.catch((e: unknown) => e);
    cancel.abort();
    const error = await outcome;
    expect(error).not.toBeInstanceOf(RequestStalledError);
    expect(seen.signal?.aborted).toBe(true);
  });

  it('keeps a slow upload alive while its bytes move; only silence counts', async () => {
    const seen: { request?: FakeRequest } = {};
    let answer: (r: { status: number; headers: { get: () => undefined } }) => void = () => undefined;
    const next = (req: never) => {
      seen.request = req as FakeRequest;
      return new Promise<{ status: number; headers: { get: () => undefined } }>((resolve) => (answer = resolve));
    };
    const sent = stallTimeoutPolicy(1_000).sendRequest(request({ method: 'PUT' }), next as never);
    for (let i = 1; i <= 5; i++) {
      await vi.advanceTimersByTimeAsync(800);
      seen.request!.onUploadProgress!({ loadedBytes: i * 1024 });
    }
    // 4 s in, never 1 s without progress: still running.
    answer({ status: 201, headers: { get: () => undefined } });
    await expect(sent).resolves.toMatchObject({ status: 201 });
  });

  it('cuts a streamed download whose body stops flowing, and lets a flowing one finish', async () => {
    const body = new PassThrough();
    const sent = stallTimeoutPolicy(1_000).sendRequest(request(), (() =>
      Promise.resolve({ status: 200, headers: { get: () => undefined }, readableStreamBody: body })) as never);
    const response = (await sent) as unknown as { readableStreamBody: NodeJS.ReadableStream };
    const chunks: Buffer[] = [];
    const ended = new Promise<unknown>((resolve) => {
      response.readableStreamBody.on('data', (c: Buffer) => chunks.push(c));
      response.readableStreamBody.on('error', resolve);
      response.readableStreamBody.on('end', () => resolve('end'));
    });
    body.write('first');
    await vi.advanceTimersByTimeAsync(800);
    body.write('second');
    await vi.advanceTimersByTimeAsync(800);
    // 1.6 s in, chunks kept coming; now the body goes silent.
    await vi.advanceTimersByTimeAsync(1_001);
    expect(await ended).toBeInstanceOf(RequestStalledError);
    expect(Buffer.concat(chunks).toString()).toBe('firstsecond');

    const flowing = new PassThrough();
    const ok = (await stallTimeoutPolicy(1_000).sendRequest(request(), (() =>
      Promise.resolve({
        status: 200,
        headers: { get: () => undefined },
        readableStreamBody: flowing,
      })) as never)) as unknown as {
      readableStreamBody: NodeJS.ReadableStream;
    };
    const done = new Promise<unknown>((resolve) => {
      ok.readableStreamBody.on('data', () => undefined);
      ok.readableStreamBody.on('error', resolve);
      ok.readableStreamBody.on('end', () => resolve('end'));
    });
    flowing.end('all of it');
    expect(await done).toBe('end');
  });
});

describe('stall timeout in the real storage pipeline', () => {
  it('a stalled try is given up and retried by the SDK: the call succeeds on the next try', async () => {
    const { createServer } = await import('node:http');
    const { parseLocation } = await import('../../../src/core/storage/location');
    const { openLakehouseStore, authFor } = await import('../../../src/core/storage/blobStore');
    let seen = 0;
    const server = createServer((req, res) => {
      seen++;
      if (seen === 1) return; // the first try gets nothing, ever
      res.writeHead(200, { etag: '"0x1"', 'content-length': '0', 'last-modified': new Date().toUTCString() });
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as { port: number }).port;
      const location = parseLocation(`azurite://127.0.0.1:${port}/ws/item.Lakehouse`);
      const store = await openLakehouseStore(location, authFor(location, undefined), { stallTimeoutMs: 1_000 });
      const props = await store.blob('Files/metadata.db').getProperties();
      expect(props.etag).toBe('"0x1"');
      expect(seen).toBe(2);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
