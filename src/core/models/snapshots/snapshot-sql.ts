/**
 * dbt-core's snapshot SQL (global project `snapshots/` macros with dbt-duckdb's
 * `snapshot_merge_sql`), written out in TypeScript statement for statement so the
 * built-in runner's snapshot tables hold what dbt-duckdb's would: the same rows, the
 * same `dbt_scd_id` hashes, the same validity ranges.
 */

export type HardDeletes = 'ignore' | 'invalidate';

export interface SnapshotStrategy {
  uniqueKey: string | string[];
  /** The SQL expression of the change time: the `updated_at` column, or `now()::timestamp` (check). */
  updatedAt: string;
  /** True when a current snapshot row and its source row differ. */
  rowChanged: string;
  scdId: string;
  hardDeletes: HardDeletes;
  /** `dbt_valid_to_current`: the SQL expression current rows carry instead of null. */
  validToCurrent?: string;
}

/** dbt-duckdb's snapshot_get_time: `current_timestamp()` is `now()`. */
export const SNAPSHOT_NOW = 'now()::timestamp';

/** dbt's default__snapshot_hash_arguments. */
export function hashArguments(args: readonly string[]): string {
  return `md5(${args.map((a) => `coalesce(cast(${a} as varchar ), '')`).join(" || '|' || ")})`;
}

/** Relation.scd_args: the key columns, then the change time. */
export function scdId(uniqueKey: string | string[], updatedAt: string): string {
  return hashArguments([...(Array.isArray(uniqueKey) ? uniqueKey : [uniqueKey]), updatedAt]);
}

export function timestampStrategy(options: {
  uniqueKey: string | string[];
  updatedAt: string;
  hardDeletes: HardDeletes;
  validToCurrent?: string;
}): SnapshotStrategy {
  return {
    ...options,
    rowChanged: `(snapshotted_data.dbt_valid_from < source_data.${options.updatedAt})`,
    scdId: scdId(options.uniqueKey, options.updatedAt),
  };
}

/**
 * The check strategy: a row changed when any checked column differs (nulls included), or
 * always when the query gained a column the snapshot table lacks.
 */
export function checkStrategy(options: {
  uniqueKey: string | string[];
  updatedAt: string | undefined;
  /** Quoted checked columns the snapshot table has; `columnAdded` when the query has more. */
  checkCols: readonly string[];
  columnAdded: boolean;
  hardDeletes: HardDeletes;
  validToCurrent?: string;
}): SnapshotStrategy {
  const updatedAt = options.updatedAt ?? SNAPSHOT_NOW;
  const changed = options.checkCols
    .map(
      (col) =>
        `snapshotted_data.${col} != source_data.${col}\n        or\n        (\n            ((snapshotted_data.${col} is null) and not (source_data.${col} is null))\n            or\n            ((not snapshotted_data.${col} is null) and (source_data.${col} is null))\n        )`,
    )
    .join(' or ');
  const strategy: SnapshotStrategy = {
    uniqueKey: options.uniqueKey,
    updatedAt,
    rowChanged: `(${options.columnAdded ? 'TRUE' : changed})`,
    scdId: scdId(options.uniqueKey, updatedAt),
    hardDeletes: options.hardDeletes,
  };
  if (options.validToCurrent !== undefined) strategy.validToCurrent = options.validToCurrent;
  return strategy;
}

function keys(uniqueKey: string | string[]): string[] {
  return Array.isArray(uniqueKey) ? uniqueKey : [uniqueKey];
}

function uniqueKeyFields(uniqueKey: string | string[]): string {
  if (!Array.isArray(uniqueKey)) return `${uniqueKey} as dbt_unique_key`;
  return uniqueKey.map((key, i) => `${key} as dbt_unique_key_${i + 1}`).join(' , ');
}

function uniqueKeyJoinOn(uniqueKey: string | string[], left: string, right: string): string {
  if (!Array.isArray(uniqueKey)) return `${left}.dbt_unique_key = ${right}.dbt_unique_key`;
  // dbt's `equals` without the truthy-nulls behaviour flag: a plain `=`.
  return uniqueKey.map((_, i) => `${left}.dbt_unique_key_${i + 1} = ${right}.dbt_unique_key_${i + 1}`).join(' and ');
}

function uniqueKeyIs(uniqueKey: string | string[], relation: string, test: 'null' | 'not null'): string {
  return `${relation}.${Array.isArray(uniqueKey) ? 'dbt_unique_key_1' : 'dbt_unique_key'} is ${test}`;
}

/** get_dbt_valid_to_current: null (or the configured value) typed like the change time. */
function validToCurrent(strategy: SnapshotStrategy): string {
  return `coalesce(nullif(${strategy.updatedAt}, ${strategy.updatedAt}), ${strategy.validToCurrent ?? 'null'})\n  as dbt_valid_to`;
}

/** build_snapshot_table: the first run's rows, every one current. */
export function buildSnapshotTableSql(strategy: SnapshotStrategy, sql: string): string {
  return `
    select *,
        ${strategy.scdId} as dbt_scd_id,
        ${strategy.updatedAt} as dbt_updated_at,
        ${strategy.updatedAt} as dbt_valid_from,
        ${validToCurrent(strategy)}
    from (
        ${sql}
    ) sbq
`;
}

/** default__snapshot_staging_table: the inserts, the updates and (invalidate) the deletes to apply. */
export function snapshotStagingSql(strategy: SnapshotStrategy, sql: string, target: string): string {
  const key = strategy.uniqueKey;
  const current =
    strategy.validToCurrent !== undefined
      ? `( dbt_valid_to = ${strategy.validToCurrent} or dbt_valid_to is null )`
      : 'dbt_valid_to is null';
  const deletes = strategy.hardDeletes === 'invalidate';
  return `
    with snapshot_query as (

        ${sql}

    ),

    snapshotted_data as (

        select *, ${uniqueKeyFields(key)}
        from ${target}
        where
            ${current}

    ),

    insertions_source_data as (

        select *, ${uniqueKeyFields(key)},
            ${strategy.updatedAt} as dbt_updated_at,
            ${strategy.updatedAt} as dbt_valid_from,
            ${validToCurrent(strategy)},
            ${strategy.scdId} as dbt_scd_id

        from snapshot_query
    ),

    updates_source_data as (

        select *, ${uniqueKeyFields(key)},
            ${strategy.updatedAt} as dbt_updated_at,
            ${strategy.updatedAt} as dbt_valid_from,
            ${strategy.updatedAt} as dbt_valid_to

        from snapshot_query
    ),${
      deletes
        ? `

    deletes_source_data as (

        select *, ${uniqueKeyFields(key)}
        from snapshot_query
    ),`
        : ''
    }

    insertions as (

        select
            'insert' as dbt_change_type,
            source_data.*

        from insertions_source_data as source_data
        left outer join snapshotted_data
            on ${uniqueKeyJoinOn(key, 'snapshotted_data', 'source_data')}
            where ${uniqueKeyIs(key, 'snapshotted_data', 'null')}
            or (${uniqueKeyIs(key, 'snapshotted_data', 'not null')} and (
               ${strategy.rowChanged}
            )

        )

    ),

    updates as (

        select
            'update' as dbt_change_type,
            source_data.*,
            snapshotted_data.dbt_scd_id

        from updates_source_data as source_data
        join snapshotted_data
            on ${uniqueKeyJoinOn(key, 'snapshotted_data', 'source_data')}
        where (
            ${strategy.rowChanged}
        )
    )${
      deletes
        ? `,
    deletes as (

        select
            'delete' as dbt_change_type,
            source_data.*,
            ${SNAPSHOT_NOW} as dbt_valid_from,
            ${SNAPSHOT_NOW} as dbt_updated_at,
            ${SNAPSHOT_NOW} as dbt_valid_to,
            snapshotted_data.dbt_scd_id
        from snapshotted_data
        left join deletes_source_data as source_data
            on ${uniqueKeyJoinOn(key, 'snapshotted_data', 'source_data')}
            where ${uniqueKeyIs(key, 'source_data', 'null')}
    )`
        : ''
    }

    select * from insertions
    union all
    select * from updates${deletes ? '\n    union all\n    select * from deletes' : ''}
`;
}

/** Staging columns that steer the merge and never land in the snapshot table. */
export function stagingOnlyColumns(uniqueKey: string | string[]): Set<string> {
  const out = new Set(['dbt_change_type', 'DBT_CHANGE_TYPE', 'dbt_unique_key', 'DBT_UNIQUE_KEY']);
  if (Array.isArray(uniqueKey)) {
    keys(uniqueKey).forEach((_, i) => {
      out.add(`dbt_unique_key_${i + 1}`);
      out.add(`DBT_UNIQUE_KEY_${i + 1}`);
    });
  }
  return out;
}

/** duckdb__snapshot_merge_sql: close the changed rows, then insert the new versions. */
export function snapshotMergeSql(
  target: string,
  staging: string,
  insertColumns: readonly string[],
  validToCurrentValue: string | undefined,
): string[] {
  const csv = insertColumns.join(', ');
  const open =
    validToCurrentValue !== undefined
      ? `(DBT_INTERNAL_TARGET.dbt_valid_to = ${validToCurrentValue} or DBT_INTERNAL_TARGET.dbt_valid_to is null)`
      : 'DBT_INTERNAL_TARGET.dbt_valid_to is null';
  return [
    `update ${target} as DBT_INTERNAL_TARGET
    set dbt_valid_to = DBT_INTERNAL_SOURCE.dbt_valid_to
    from ${staging} as DBT_INTERNAL_SOURCE
    where DBT_INTERNAL_SOURCE.dbt_scd_id::text = DBT_INTERNAL_TARGET.dbt_scd_id::text
      and DBT_INTERNAL_SOURCE.dbt_change_type::text in ('update'::text, 'delete'::text)
      and ${open}`,
    `insert into ${target} (${csv})
    select ${insertColumns.map((c) => `DBT_INTERNAL_SOURCE.${c}`).join(', ')}
    from ${staging} as DBT_INTERNAL_SOURCE
    where DBT_INTERNAL_SOURCE.dbt_change_type::text = 'insert'::text`,
  ];
}
