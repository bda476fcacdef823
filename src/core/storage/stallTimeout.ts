import { Transform, pipeline, type Readable } from 'node:stream';
import { ConfigError } from '../errors';
import type { WirePolicy, WireResponse } from './wirePolicies';

/** How long one request may go without a byte moving before it counts as stalled (2 min). */
export const DEFAULT_STALL_TIMEOUT_MS = 120_000;

/** Overrides the stall timeout for the CLI and the tests (milliseconds; the editor has a setting). */
export const STALL_TIMEOUT_ENV = 'LAKEHOUSE_STALL_TIMEOUT_MS';

/** Shortest accepted value: below it a slow but working service would be cut off. */
const MIN_STALL_TIMEOUT_MS = 100;

export function stallTimeoutFromEnv(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const raw = env[STALL_TIMEOUT_ENV]?.trim();
  if (!raw) return undefined;
  const ms = Number(raw);
  if (!Number.isInteger(ms) || ms < MIN_STALL_TIMEOUT_MS) {
    throw new ConfigError(
      `${STALL_TIMEOUT_ENV}='${raw}' is not a whole number of milliseconds of at least ${MIN_STALL_TIMEOUT_MS}.`,
      `Unset it to use the default (${DEFAULT_STALL_TIMEOUT_MS / 1000} s).`,
    );
  }
  return ms;
}

/**
 * The error a stalled attempt fails with. The storage retry policy retries only
 * errors it recognises as the pipeline's own (`name` RestError; anything else it
 * rethrows at once) with a network code, so it carries both: a stalled read is
 * tried again, and a stalled write becomes an ambiguous answer that publish and
 * the lease settle from what the remote holds, never from this error alone.
 */
export class RequestStalledError extends Error {
  readonly code = 'ETIMEDOUT';
  readonly stalled = true;
  constructor(ms: number) {
    super(`ETIMEDOUT: no data moved for ${ms} ms; the request was given up`);
    this.name = 'RestError';
  }
}

interface StallRequest {
  abortSignal?: AbortSignal;
  onUploadProgress?: (progress: { loadedBytes: number }) => void;
}

interface StallResponse extends WireResponse {
  readableStreamBody?: NodeJS.ReadableStream;
}

/**
 * A per-attempt "no progress" timeout: the storage SDK sets none of its own
 * (its `tryTimeoutInMs` only asks the *service* to give up), so a connection
 * that stops answering would wait forever. The clock restarts whenever bytes
 * move (upload progress, each chunk of a streamed download), so a large,
 * slow transfer is never cut; only silence is. Runs after the retry policy,
 * so each try has its own clock and a stall is retried like a reset.
 */
export function stallTimeoutPolicy(timeoutMs: number): WirePolicy {
  return {
    name: 'lakehouseStallTimeout',
    async sendRequest(request, next) {
      const req = request as typeof request & StallRequest;
      const callerSignal = req.abortSignal;
      const attempt = new AbortController();
      const onCallerAbort = () => attempt.abort(callerSignal?.reason);
      callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
      let timer: NodeJS.Timeout | undefined;
      let stalled: (error: Error) => void = () => undefined;
      const stall = new Promise<never>((_, reject) => (stalled = reject));
      stall.catch(() => undefined);
      const arm = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          const error = new RequestStalledError(timeoutMs);
          stalled(error);
          attempt.abort(error);
        }, timeoutMs);
        timer.unref?.();
      };
      const callerProgress = req.onUploadProgress;
      req.abortSignal = attempt.signal;
      req.onUploadProgress = (progress) => {
        arm();
        callerProgress?.(progress);
      };
      arm();
      const done = () => {
        clearTimeout(timer);
        callerSignal?.removeEventListener('abort', onCallerAbort);
      };
      let response: StallResponse;
      try {
        response = (await Promise.race([next(req as never), stall])) as StallResponse;
      } catch (error) {
        done();
        // The pipeline turns our abort into an AbortError; report it as the stall it was
        // (unless the caller cancelled, which stays a cancel).
        if (!callerSignal?.aborted && attempt.signal.reason instanceof RequestStalledError) throw attempt.signal.reason;
        throw error;
      } finally {
        req.abortSignal = callerSignal;
        req.onUploadProgress = callerProgress;
      }
      const body = response.readableStreamBody as Readable | undefined;
      if (!body) {
        done();
        return response;
      }
      // A streamed download: the clock keeps running while the body flows, restarted by each chunk.
      const watched = new Transform({
        transform(chunk, _encoding, callback) {
          arm();
          callback(null, chunk);
        },
      });
      arm();
      stall.catch((error: Error) => watched.destroy(error));
      pipeline(body, watched, () => done());
      response.readableStreamBody = watched;
      return response;
    },
  };
}
