import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LakehouseError } from '../../../src/core/errors';
import { runWithDbtCli, type RunEvent } from '../../../src/core/models';
import { addEnergyBatch, makeWorkspace, queryCatalog, type Workspace } from './helpers';
import { DBT, requireDbt } from './peers';

describe('dbt CLI runner (real dbt-duckdb)', () => {
  beforeAll(() => requireDbt());
  let ws: Workspace;
  let env: Record<string, string | undefined>;
  let override: { catalogPath: string; dataPath: string };
  beforeAll(() => {
    ws = makeWorkspace('energy', 'energy-cli');
    // The profile reads the catalog location from the variables the runner sets; these must not leak in.
    env = { ...ws.env, LAKEHOUSE_CATALOG_PATH: undefined, LAKEHOUSE_DATA_PATH: undefined };
    override = { catalogPath: ws.catalogPath, dataPath: ws.dataPath };
  });
  afterAll(() => ws?.cleanup());
  const extensionDirectory = process.env.LAKEHOUSE_DUCKDB_EXTENSIONS;

  it('runs dbt build, streams progress events and returns results in the built-in shape', async () => {
    addEnergyBatch(ws, 1);
    const events: RunEvent[] = [];
    const summary = await runWithDbtCli({
      projectDir: ws.projectDir,
      command: 'build',
      dbtExecutable: DBT,
      catalogOverride: override,
      env,
      onEvent: (e) => events.push(e),
      ...(extensionDirectory ? { extensionDirectory } : {}),
    });
    expect(summary.runner).toBe('dbt');
    expect(summary.success).toBe(true);
    const models = summary.results.filter((r) => r.resourceType === 'model');
    expect(models.map((r) => r.uniqueId)).toContain('model.energy.fct_meter_hourly');
    expect(models.every((r) => r.status === 'success')).toBe(true);
    expect(summary.results.filter((r) => r.resourceType === 'test').every((r) => r.status === 'pass')).toBe(true);
    expect(summary.results.find((r) => r.name === 'regions')?.resourceType).toBe('seed');
    const started = events.filter((e) => e.kind === 'started').map((e) => e.node.uniqueId);
    const succeeded = events.filter((e) => e.kind === 'succeeded').map((e) => e.node.uniqueId);
    expect(started).toContain('model.energy.dim_site');
    expect(new Set(succeeded)).toEqual(new Set(summary.results.map((r) => r.uniqueId)));
    expect(events.some((e) => e.kind === 'log' && e.message.includes('energy: run finished for dev'))).toBe(true);
    // It wrote to the overridden catalog.
    expect(await queryCatalog(ws, 'SELECT count(*) AS n FROM lake.main_marts.dim_site')).toEqual([{ n: 6n }]);
  });

  it('reports a failing model as an error result with its file, and skips its children', async () => {
    writeFileSync(
      join(ws.projectDir, 'models/marts/dim_meter.sql'),
      'select no_such_column from {{ ref("stg_meters") }}\n',
    );
    const events: RunEvent[] = [];
    const summary = await runWithDbtCli({
      projectDir: ws.projectDir,
      dbtExecutable: DBT,
      catalogOverride: override,
      env,
      select: ['dim_meter+'],
      onEvent: (e) => events.push(e),
      ...(extensionDirectory ? { extensionDirectory } : {}),
    });
    expect(summary.success).toBe(false);
    const statuses = Object.fromEntries(summary.results.map((r) => [r.name, r.status]));
    expect(statuses).toEqual({
      dim_meter: 'error',
      fct_meter_hourly: 'skipped',
      fct_site_daily: 'skipped',
      rpt_region_summary: 'skipped',
    });
    const failed = summary.results.find((r) => r.name === 'dim_meter')!;
    expect(failed.message).toContain('no_such_column');
    expect(events.find((e) => e.kind === 'failed')?.node.name).toBe('dim_meter');
  });

  it('names a missing dbt executable', async () => {
    const error = await runWithDbtCli({
      projectDir: ws.projectDir,
      dbtExecutable: join(ws.root, 'no-dbt-here'),
      env,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LakehouseError);
    expect((error as LakehouseError).code).toBe('dbt-not-found');
  });
});
