import { redactSecrets } from '../config/credentials';
import { LakehouseError } from '../errors';
import { CatalogReader, POSTGRES_CATALOG_PREFIX } from '../ducklake/catalogReader';
import { DuckDBSession, type DuckDBOptions } from '../lake/duckdb';

/** The latest commit of a team catalog, as the tree shows it instead of a lease. */
export interface TeamSnapshot {
  id: number;
  time: Date;
  /** Who committed it (the run's holder name), when the writer said. */
  author?: string;
  message?: string;
}

/**
 * Reads the latest snapshot of a PostgreSQL DuckLake catalog straight from its
 * tables (read-only, no data files touched). One short query; errors never
 * carry the connection string.
 */
export async function readLatestTeamSnapshot(duckdb: DuckDBOptions, connection: string): Promise<TeamSnapshot> {
  const session = await DuckDBSession.open({ ...duckdb, threads: 1 });
  try {
    const reader = await CatalogReader.open(session, `${POSTGRES_CATALOG_PREFIX}${connection}`);
    const latest = await reader.latestCommit().finally(() => reader.close());
    if (!latest) throw new LakehouseError('catalog-format', 'The PostgreSQL catalog has no snapshots yet.');
    return { id: latest.id, time: new Date(latest.timeMs), author: latest.author, message: latest.message };
  } catch (error) {
    if (error instanceof LakehouseError) throw error;
    throw new LakehouseError(
      'catalog-unreachable',
      redactSecrets(
        `Cannot read the PostgreSQL catalog: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
      ),
      'Check the connection (Lakehouse: Set PostgreSQL Catalog Connection) and that the server is up.',
    );
  } finally {
    session.close();
  }
}

/** "snapshot 42 · ana@team · 3 min ago": the tree's description of a team catalog. */
export function describeTeamSnapshot(snapshot: TeamSnapshot, now: Date): string {
  const parts = [`snapshot ${snapshot.id}`];
  if (snapshot.author) parts.push(snapshot.author);
  parts.push(ago(snapshot.time, now));
  return parts.join(' · ');
}

function ago(time: Date, now: Date): string {
  const seconds = Math.max(0, Math.round((now.getTime() - time.getTime()) / 1000));
  if (!Number.isFinite(seconds)) return 'time unknown';
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}
