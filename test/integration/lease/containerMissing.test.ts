import { describe, expect, it } from 'vitest';
import { LakehouseError } from '../../../src/core/errors';
import { freshLakehouse } from '../support/lakehouse';

describe('a location whose workspace (container) does not exist', () => {
  it('is said plainly by status and acquire, never "the first run creates it"; nothing is created', async () => {
    const { guard, store } = await freshLakehouse({ createContainer: false });
    for (const attempt of [() => guard.inspect(), () => guard.acquire({ operation: 'run' })]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LakehouseError);
      expect((error as LakehouseError).code).toBe('container-missing');
      expect((error as Error).message).toBe(
        `The workspace (container) '${store.container.containerName}' does not exist, or this account cannot see it; no catalog can be created there.`,
      );
      expect((error as Error).message).not.toMatch(/first run creates it/);
    }
    expect(await store.container.exists()).toBe(false);
  });
});
