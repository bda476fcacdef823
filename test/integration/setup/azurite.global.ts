import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import type { TestProject } from 'vitest/node';
import type {} from 'vitest';
import { startAzurite } from '../../../src/core/storage/azurite';

declare module 'vitest' {
  export interface ProvidedContext {
    azuriteUrl: string;
  }
}

/**
 * One Azurite per integration run, on a free loopback port with a throwaway
 * data folder. Tests isolate themselves by container name. The CLI is built
 * first because the multi-process lease tests spawn it as real OS processes.
 */
export default async function setup(project: TestProject) {
  execFileSync(process.execPath, ['esbuild.mjs'], { stdio: 'ignore' });
  const location = mkdtempSync(join(tmpdir(), 'lakehouse-azurite-'));
  const azurite = await startAzurite({ location });
  project.provide('azuriteUrl', azurite.accountUrl);
  process.env.LAKEHOUSE_TEST_AZURITE = azurite.accountUrl;
  return async () => {
    await azurite.stop();
    rmSync(location, { recursive: true, force: true });
  };
}
