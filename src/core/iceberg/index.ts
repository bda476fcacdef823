/** DuckLake snapshot -> Iceberg v2 metadata beside the Delta log. See docs/ICEBERG.md. */
import type { TableTarget } from '../delta/tableState';
import type { IcebergTarget } from './tableExporter';

export { IcebergTableExporter, MAX_MANIFESTS, type IcebergTarget } from './tableExporter';
export type { IcebergState, IcebergTableReport, IcebergSkipCode } from './report';
export { METADATA_DIR, VERSION_HINT, metadataFileName } from './layout';

/** The Iceberg export's view of a table the Delta export accepted. */
export function icebergTarget(target: TableTarget): IcebergTarget {
  return {
    tableId: target.table.tableId,
    qualifiedName: `${target.table.schemaName}.${target.table.name}`,
    folder: target.folder,
    tableUuid: target.metaData.id,
    columns: target.columns,
    files: target.files,
    filesHash: target.filesHash,
    numRecords: target.numRecords,
    numFiles: target.numFiles,
    loadStats: (relativePaths) => target.loadStats(relativePaths),
  };
}
