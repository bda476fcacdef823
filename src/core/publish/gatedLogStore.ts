import type { DeltaLogStore } from '../delta';

/**
 * The same log store with its writes held until `gate` resolves, and refused with the gate's error if it
 * rejects. Publish starts the Delta export while the catalog commit is on the wire: the export's reads (the
 * local catalog, the Delta logs) overlap the commit, and no log is written unless the catalog commit landed.
 */
export function writesAfter(logs: DeltaLogStore, gate: Promise<void>): DeltaLogStore {
  return {
    read: (path) => logs.read(path),
    list: (dir) => logs.list(dir),
    putIfAbsent: async (path, bytes) => {
      await gate;
      return logs.putIfAbsent(path, bytes);
    },
    put: async (path, bytes) => {
      await gate;
      return logs.put(path, bytes);
    },
  };
}
