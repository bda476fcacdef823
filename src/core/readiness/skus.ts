/**
 * Direct Lake per-table guardrails by Fabric capacity SKU: beyond them a
 * Direct Lake model falls back to DirectQuery or fails to refresh.
 * Source: Microsoft Learn, "Direct Lake overview" → "Fabric capacity
 * requirements" (Parquet files per table, row groups per table); F2–F32 and
 * F64 as cited in docs/READINESS.md; larger SKUs as recalled from the same
 * table — verify against the current page before relying on them.
 */
export interface SkuLimits {
  maxFilesPerTable: number;
  maxRowGroupsPerTable: number;
}

export const DIRECT_LAKE_SKUS = {
  F2: { maxFilesPerTable: 1_000, maxRowGroupsPerTable: 1_000 },
  F4: { maxFilesPerTable: 1_000, maxRowGroupsPerTable: 1_000 },
  F8: { maxFilesPerTable: 1_000, maxRowGroupsPerTable: 1_000 },
  F16: { maxFilesPerTable: 1_000, maxRowGroupsPerTable: 1_000 },
  F32: { maxFilesPerTable: 1_000, maxRowGroupsPerTable: 1_000 },
  F64: { maxFilesPerTable: 5_000, maxRowGroupsPerTable: 5_000 },
  F128: { maxFilesPerTable: 5_000, maxRowGroupsPerTable: 5_000 },
  F256: { maxFilesPerTable: 5_000, maxRowGroupsPerTable: 5_000 },
  F512: { maxFilesPerTable: 10_000, maxRowGroupsPerTable: 10_000 },
  F1024: { maxFilesPerTable: 10_000, maxRowGroupsPerTable: 10_000 },
  F2048: { maxFilesPerTable: 10_000, maxRowGroupsPerTable: 10_000 },
} as const satisfies Record<string, SkuLimits>;

export type Sku = keyof typeof DIRECT_LAKE_SKUS;

/** The smallest capacity: a table fit for it fits every larger one. */
export const DEFAULT_SKU: Sku = 'F2';

/** Row groups Direct Lake reads fastest (the field's measurements; DuckLake writes 122,880 by default). */
export const RECOMMENDED_ROW_GROUP_ROWS = { min: 1_000_000, max: 16_000_000 } as const;

/** Longest string Direct Lake loads, in characters. */
export const MAX_STRING_CHARS = 32_764;

export function parseSku(value: string | undefined): Sku | undefined {
  const key = (value ?? DEFAULT_SKU).trim().toUpperCase();
  return key in DIRECT_LAKE_SKUS ? (key as Sku) : undefined;
}
