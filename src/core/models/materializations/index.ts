import { UnsupportedFeatureError } from '../errors';
import { materializeIncremental } from './incremental';
import { applyModelTableOptions, modelLayout } from './layout';
import { materializeTable } from './table';
import type { MaterializeInput, MaterializeResult } from './types';
import { materializeView } from './view';

export type { MaterializeInput, MaterializeResult, ExistingKind } from './types';

/**
 * Runs the node's materialization. `ephemeral` models are never run (they are CTEs of their children).
 * A table with a `lakehouse_layout` gets the layout as its own DuckLake options, before (an existing
 * table's inserts honour them) and after (a rebuilt table is a new table to DuckLake).
 */
export async function materialize(input: MaterializeInput): Promise<MaterializeResult> {
  const kind = String(input.node.config.materialized ?? 'view');
  const layout = kind === 'view' ? undefined : modelLayout(input);
  if (layout && input.existing === 'table') await applyModelTableOptions(input.executor, input, layout);
  const result = await materializeKind(input);
  if (layout) await applyModelTableOptions(input.executor, input, layout);
  return result;
}

function materializeKind(input: MaterializeInput): Promise<MaterializeResult> {
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
