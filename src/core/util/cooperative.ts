import { performance } from 'node:perf_hooks';

/**
 * For a long synchronous stretch (parsing a project) that work on other threads waits on — DuckDB
 * finishing a LOAD or an ATTACH needs this thread for a moment to start its next statement. The
 * function it returns lets pending I/O callbacks run once `sliceMs` has passed since it last did;
 * called between units of work, it costs nothing in between.
 */
export function cooperativeYield(sliceMs = 4): () => Promise<void> {
  let last = performance.now();
  return async () => {
    if (performance.now() - last < sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    last = performance.now();
  };
}
