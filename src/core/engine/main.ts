/**
 * The query engine process (dist/queryEngine.js), started by the client with
 * child_process.fork. DuckDB runs here, so a native crash or out-of-memory
 * ends this process, never the extension host or the CLI.
 */
import { EngineHost, toWireError } from './engineHost';
import { ENGINE_OPTIONS_ENV, type EngineStartOptions, type FromEngine, type ToEngine } from './protocol';

function send(message: FromEngine): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  if (!process.send) {
    process.stderr.write('queryEngine.js is started by Lakehouse Dev over IPC, not run directly.\n');
    process.exit(2);
  }
  const options = JSON.parse(process.env[ENGINE_OPTIONS_ENV] ?? '{}') as EngineStartOptions;
  const hostReady = EngineHost.open(options.duckdb ?? {});
  process.on('message', (message: ToEngine) => {
    if (message.kind === 'cancel') {
      void hostReady.then((host) => host.cancel(message.id));
      return;
    }
    void hostReady
      .then((host) => host.handle(message, (rows) => send({ kind: 'progress', id: message.id, rows })))
      .then(
        (value) => send({ kind: 'result', id: message.id, value }),
        (error: unknown) =>
          void hostReady.then(
            (host) => send({ kind: 'error', id: message.id, error: host.wireError(error) }),
            () => send({ kind: 'error', id: message.id, error: toWireError(error) }),
          ),
      );
  });
  // The client went away (closed, or its process died): stop.
  process.on('disconnect', () => {
    void hostReady.then((host) => host.close()).finally(() => process.exit(0));
  });
  try {
    await hostReady;
    send({ kind: 'ready', pid: process.pid });
  } catch (error) {
    send({ kind: 'log', level: 'error', message: toWireError(error).message });
    process.exit(1);
  }
}

void main();
