/**
 * Table properties every exported Delta table carries in `metaData.configuration`.
 *
 * The Parquet files belong to DuckLake: a Delta `remove` (our own, after a DuckLake
 * compaction or delete, or one Fabric writes when it OPTIMIZEs the table) does not
 * mean DuckLake stopped using the file, and a file DuckLake added but an export
 * skipped is "untracked" to Delta. A Delta VACUUM deletes both kinds once they are
 * older than the retention. Spark's VACUUM (Fabric's) uses
 * `delta.deletedFileRetentionDuration` when no RETAIN is given and refuses a
 * shorter RETAIN while `spark.databricks.delta.retentionDurationCheck.enabled`
 * is on (the default); delta-rs does the same with `enforce_retention_duration`.
 * Ten years keeps VACUUM away from DuckLake's files; DuckLake's own cleanup
 * (expire snapshots, cleanup old files) is what deletes them. See docs/DELTA.md.
 */
export const RETENTION_CONFIGURATION: Readonly<Record<string, string>> = {
  'delta.deletedFileRetentionDuration': 'interval 3650 days',
  // Keeps the log (time travel) as long as the files; Spark writers clean logs older than this.
  'delta.logRetentionDuration': 'interval 3650 days',
};
