import { UnsupportedFeatureError } from '../errors';
import { materializeIncremental } from './incremental';
import { materializeTable } from './table';
import type { MaterializeInput, MaterializeResult } from './types';
import { materializeView } from './view';

export type { MaterializeInput, MaterializeResult, ExistingKind } from './types';

/** Runs the node's materialization. `ephemeral` models are never run (they are CTEs of their children). */
export function materialize(input: MaterializeInput): Promise<MaterializeResult> {
  const kind = String(input.node.config.materialized ?? 'view');
  switch (kind) {
    case 'view':
      return materializeView(input);
    case 'table':
      return materializeTable(input);
    case 'incremental':
      return materializeIncremental(input);
    default:
      throw new UnsupportedFeatureError(
        `materialized='${kind}'`,
        input.node.file ? { file: input.node.file.path, line: 1 } : undefined,
        'supported: view, table, incremental, ephemeral',
      );
  }
}
