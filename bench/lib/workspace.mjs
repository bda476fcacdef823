// A fresh, throwaway copy of a project (an example, or one generated at bench
// time) for one side of one repetition, with its own DuckLake catalog (SQLite),
// data folder and landing folder.
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export function makeWorkspace(root, sourceDir, side, extraEnv = {}) {
  const dir = join(root, side);
  const projectDir = join(dir, 'project');
  cpSync(sourceDir, projectDir, {
    recursive: true,
    // Never carry a previous run's state or data into a measurement.
    filter: (src) => !/[\\/](target|landing|lake|logs)$/.test(src),
  });
  const catalogPath = join(dir, 'lake', 'metadata.db');
  const dataPath = join(dir, 'lake', 'data') + '/';
  const landingPath = join(dir, 'landing');
  const logDir = join(dir, 'logs-bench');
  // dbt-duckdb's SQLite attach cannot create the catalog's folder; make it for both sides.
  for (const d of [join(dir, 'lake', 'data'), landingPath, logDir]) mkdirSync(d, { recursive: true });
  const env = {
    ...process.env,
    LAKEHOUSE_CATALOG_PATH: catalogPath,
    LAKEHOUSE_DATA_PATH: dataPath,
    ENERGY_LANDING_PATH: landingPath,
    // No telemetry calls from dbt: they would time the network, not the runner.
    DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
    DO_NOT_TRACK: '1',
    ...extraEnv,
  };
  return { dir, projectDir, catalogPath, dataPath, landingPath, logDir, env };
}
