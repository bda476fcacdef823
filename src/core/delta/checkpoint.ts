import { randomBytes } from 'node:crypto';
import { sessionOf, type DuckDBSource } from '../lake/lazySession';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { quoteLiteral } from '../lake/duckdb';
import type { AddAction, MetaDataAction, ProtocolAction } from './actions';
import type { DeltaLogStore } from './logStore';
import { checkpointFileName, DELTA_LOG_DIR, LAST_CHECKPOINT } from './paths';

/** Delta's default `delta.checkpointInterval`. */
export const DEFAULT_CHECKPOINT_INTERVAL = 10;

/**
 * The V1 checkpoint schema (PROTOCOL.md "Checkpoint Schema"), as the DuckDB
 * types read_json casts each action to. Typing every field here, instead of
 * letting DuckDB infer them, is what makes the Parquet schema match the
 * protocol: int32 reader/writer versions, int64 sizes and times, string maps.
 */
const CHECKPOINT_COLUMNS: Record<string, string> = {
  txn: 'STRUCT(appId VARCHAR, version BIGINT, lastUpdated BIGINT)',
  add:
    'STRUCT(path VARCHAR, partitionValues MAP(VARCHAR, VARCHAR), size BIGINT, modificationTime BIGINT, ' +
    'dataChange BOOLEAN, stats VARCHAR, tags MAP(VARCHAR, VARCHAR))',
  remove:
    'STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, extendedFileMetadata BOOLEAN, ' +
    'partitionValues MAP(VARCHAR, VARCHAR), size BIGINT)',
  metaData:
    'STRUCT(id VARCHAR, "name" VARCHAR, description VARCHAR, format STRUCT(provider VARCHAR, options MAP(VARCHAR, VARCHAR)), ' +
    'schemaString VARCHAR, partitionColumns VARCHAR[], configuration MAP(VARCHAR, VARCHAR), createdTime BIGINT)',
  protocol: 'STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER)',
};

export interface CheckpointState {
  protocol: ProtocolAction;
  metaData: MetaDataAction;
  adds: readonly AddAction[];
}

export interface CheckpointDeps {
  session: DuckDBSource;
  store: DeltaLogStore;
  tempDirectory: string;
}

export interface CheckpointResult {
  version: number;
  /** False when another writer had already written this checkpoint. */
  written: boolean;
  actions: number;
  sizeInBytes: number;
}

/**
 * Writes `<version>.checkpoint.parquet` holding the full state at `version`
 * (protocol, metaData, one row per live file) and points `_last_checkpoint`
 * at it. The Parquet is produced by DuckDB COPY from a typed query.
 */
export async function writeCheckpoint(
  deps: CheckpointDeps,
  folder: string,
  version: number,
  state: CheckpointState,
): Promise<CheckpointResult> {
  const stem = join(deps.tempDirectory, `checkpoint-${randomBytes(6).toString('hex')}`);
  const jsonPath = `${stem}.ndjson`;
  const parquetPath = `${stem}.parquet`;
  const lines = [
    JSON.stringify({ protocol: state.protocol }),
    JSON.stringify({ metaData: state.metaData }),
    // Checkpoint adds describe state, not a change.
    ...state.adds.map((add) => JSON.stringify({ add: { ...add, dataChange: false } })),
  ];
  try {
    await writeFile(jsonPath, lines.join('\n') + '\n');
    const columns = Object.entries(CHECKPOINT_COLUMNS)
      .map(([name, type]) => `${quoteLiteral(name)}: ${quoteLiteral(type)}`)
      .join(', ');
    // The one DuckDB use of an export: DuckDB opens here (every 10th version), not before.
    await (
      await sessionOf(deps.session)
    ).run(
      `COPY (SELECT txn, add, remove, metaData, protocol
             FROM read_json(${quoteLiteral(jsonPath)}, format = 'newline_delimited', columns = {${columns}}))
       TO ${quoteLiteral(parquetPath)} (FORMAT parquet, COMPRESSION snappy)`,
    );
    const bytes = new Uint8Array(await readFile(parquetPath));
    const logDir = folder + DELTA_LOG_DIR;
    const outcome = await deps.store.putIfAbsent(logDir + checkpointFileName(version), bytes);
    const pointer = {
      version,
      size: lines.length,
      sizeInBytes: bytes.byteLength,
      numOfAddFiles: state.adds.length,
    };
    // Another writer's checkpoint stays with its own pointer. _last_checkpoint is a
    // hint for readers, so a concurrent overwrite with an older version is still valid.
    if (outcome === 'written')
      await deps.store.put(logDir + LAST_CHECKPOINT, new TextEncoder().encode(JSON.stringify(pointer)));
    return { version, written: outcome === 'written', actions: lines.length, sizeInBytes: bytes.byteLength };
  } finally {
    await rm(jsonPath, { force: true });
    await rm(parquetPath, { force: true });
  }
}
