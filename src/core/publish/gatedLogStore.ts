import type { DeltaLogStore } from '../delta';
import { throwIfCancelled } from '../util/progress';

/**
 * The same log store with its writes held until `gate` resolves, and refused with the gate's error if it
 * rejects. Publish starts the Delta export while the catalog commit is on the wire: the export's reads (the
 * local catalog, the Delta logs) overlap the commit, and no log is written unless the catalog commit landed.
 * A publish cancelled by then writes none either (as when the export started after the commit).
 */
export function writesAfter(logs: DeltaLogStore, gate: Promise<void>, signal?: AbortSignal): DeltaLogStore {
  const opened = async () => {
    await gate;
    throwIfCancelled(signal, 'Delta export');
  };
  return {
    read: (path) => logs.read(path),
    list: (dir) => logs.list(dir),
    putIfAbsent: async (path, bytes) => {
      await opened();
      return logs.putIfAbsent(path, bytes);
    },
    put: async (path, bytes) => {
      await opened();
      return logs.put(path, bytes);
    },
  };
}
