import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { mkdirSync } from 'node:fs';
import { LakehouseError } from '../errors';

/** Azurite's fixed development account (public, documented by Microsoft; not a secret). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface AzuriteServer {
  host: string;
  port: number;
  /** `http://host:port/devstoreaccount1` */
  accountUrl: string;
  stop(): Promise<void>;
}

export interface AzuriteOptions {
  /** Folder Azurite keeps blobs in. */
  location: string;
  host?: string;
  port?: number;
  /** Resolves the azurite package (a devDependency; the demo and the tests use it as a local OneLake). */
  resolveMain?: () => string;
}

/** Starts Azurite's blob service as a child process on a loopback port. */
export async function startAzurite(options: AzuriteOptions): Promise<AzuriteServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort(host));
  mkdirSync(options.location, { recursive: true });
  let main: string;
  try {
    main = options.resolveMain ? options.resolveMain() : require.resolve('azurite/dist/src/blob/main.js');
  } catch (error) {
    throw new LakehouseError(
      'azurite-missing',
      'Azurite (the local blob storage emulator) is not installed.',
      "Run 'npm ci' in the Lakehouse Dev checkout; the demo and the tests need its devDependencies.",
      { cause: error },
    );
  }
  const child = spawn(
    process.execPath,
    [
      main,
      '--blobHost',
      host,
      '--blobPort',
      String(port),
      '--location',
      options.location,
      '--silent',
      '--skipApiVersionCheck',
      '--disableTelemetry',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  await waitForListening(child, host, port);
  return {
    host,
    port,
    accountUrl: `http://${host}:${port}/${AZURITE_ACCOUNT}`,
    stop: () => stopChild(child),
  };
}

/** Waits until the port accepts connections (Azurite prints nothing with --silent). */
async function waitForListening(child: ChildProcess, host: string, port: number): Promise<void> {
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (await canConnect(host, port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new LakehouseError(
    'azurite-failed',
    `Could not start Azurite on ${host}:${port}${child.exitCode !== null ? ` (exited with code ${child.exitCode})` : ' within 30 s'}: ${output.trim().slice(0, 500)}`,
  );
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
