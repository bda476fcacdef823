import { attachTarget } from './catalogFormat';
import { DuckDBSession, quoteIdentifier, quoteLiteral, type DuckDBOptions } from './duckdb';
import type { LocalMirror, PullState } from './localMirror';

export const LAKE_ALIAS = 'lake';

/**
 * Attaches the working catalog with DATA_PATH = the local mirror and
 * OVERRIDE_DATA_PATH, so the catalog's relative paths resolve to local files
 * and new files are written under the same relative paths publish uploads.
 */
export async function attachWorkingCatalog(
  session: DuckDBSession,
  mirror: LocalMirror,
  state: Pick<PullState, 'format'>,
  options: { alias?: string; readOnly?: boolean } = {},
): Promise<string> {
  const alias = options.alias ?? LAKE_ALIAS;
  await session.loadExtensions(['ducklake', 'sqlite_scanner']);
  const extra = options.readOnly ? ', READ_ONLY' : '';
  await session.run(
    `ATTACH ${quoteLiteral(attachTarget(state.format, mirror.catalogFile))} AS ${quoteIdentifier(alias)} (DATA_PATH ${quoteLiteral(mirror.dataRoot)}, OVERRIDE_DATA_PATH true${extra})`,
  );
  return alias;
}

export async function openLakeSession(
  mirror: LocalMirror,
  state: Pick<PullState, 'format'>,
  duckdb: DuckDBOptions,
): Promise<DuckDBSession> {
  const session = await DuckDBSession.open(duckdb);
  try {
    await attachWorkingCatalog(session, mirror, state);
    return session;
  } catch (error) {
    session.close();
    throw error;
  }
}
