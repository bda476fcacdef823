import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createQueryEngine, type QueryEngineClient, type QueryEngineOptions } from '../../../src/core/engine/client';
import { DuckDBSession } from '../../../src/core/lake/duckdb';
import { createEmptyCatalog } from '../../../src/core/lake/emptyCatalog';
import { attachWorkingCatalog } from '../../../src/core/lake/lakeSession';
import { LocalMirror } from '../../../src/core/lake/localMirror';
import type { LocalTargetSpec, TargetResolver } from '../../../src/core/query/targets';
import type { QueryTarget } from '../../../src/core/query/types';
import { duckdb } from '../support/lakehouse';

export const ENGINE = resolve(__dirname, '../../../dist/queryEngine.js');

/** A pulled-looking local lakehouse: a working DuckLake catalog and its data mirror, filled by `sql` (on `lake.`). */
export async function localLakehouse(
  name: string,
  sql: string[],
  workspaceDir?: string,
): Promise<{ mirror: LocalMirror; spec: LocalTargetSpec }> {
  const mirror = workspaceDir
    ? LocalMirror.forLakehouse(workspaceDir, name)
    : new LocalMirror(mkdtempSync(join(tmpdir(), `lakehouse-query-${name}-`)));
  mkdirSync(join(mirror.root, 'catalog'), { recursive: true });
  mkdirSync(mirror.dataRoot, { recursive: true });
  writeFileSync(mirror.catalogFile, await createEmptyCatalog('az://ws/test.Lakehouse/Tables/', duckdb));
  const session = await DuckDBSession.open({ ...duckdb, threads: 2 });
  try {
    await attachWorkingCatalog(session, mirror, { format: 'sqlite' });
    for (const statement of sql) await session.run(statement);
    await session.run('DETACH lake');
  } finally {
    session.close();
  }
  await mirror.writeState({
    location: 'azurite://127.0.0.1:1/ws/test.Lakehouse',
    catalogPath: 'Files/metadata.db',
    dataPrefix: 'Tables/',
    etag: '"test"',
    md5: '',
    format: 'sqlite',
    pulledAt: new Date().toISOString(),
  });
  return {
    mirror,
    spec: {
      kind: 'local',
      lakehouse: name,
      catalogFile: mirror.catalogFile,
      dataRoot: mirror.dataRoot,
      format: 'sqlite',
    },
  };
}

export function resolverFor(specs: Record<string, Awaited<ReturnType<TargetResolver>>>): TargetResolver {
  return async (target: QueryTarget) => {
    const spec = specs[`${target.kind}:${target.lakehouse}`];
    if (!spec) throw new Error(`no spec for ${target.kind}:${target.lakehouse}`);
    return spec;
  };
}

export function engineFor(resolveTarget: TargetResolver, extra: Partial<QueryEngineOptions> = {}): QueryEngineClient {
  return createQueryEngine({
    enginePath: ENGINE,
    duckdb: { ...duckdb, threads: 2, memoryLimit: '2GB' },
    resolveTarget,
    ...extra,
  });
}
