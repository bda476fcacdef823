import { stat } from 'node:fs/promises';
import { quoteIdentifier, quoteLiteral, type DuckDBSession } from '../lake/duckdb';

let aliasCounter = 0;

/** The side files SQLite leaves next to a database while (or because) a write was in flight. */
export function sqliteSideFiles(file: string): string[] {
  return [`${file}-journal`, `${file}-wal`];
}

async function nonEmpty(path: string): Promise<boolean> {
  try {
    return (await stat(path)).size > 0;
  } catch {
    return false;
  }
}

/** Whether a write is in flight on `file`, or was cut off: SQLite's journal or WAL beside it holds pages. */
export async function hasInterruptedWrite(file: string): Promise<boolean> {
  for (const side of sqliteSideFiles(file)) if (await nonEmpty(side)) return true;
  return false;
}

/** Identity, size and modification time: changes whenever anything writes the file. */
export async function fileSignature(file: string): Promise<string> {
  const info = await stat(file);
  return `${info.ino}:${info.size}:${info.mtimeMs}`;
}

/**
 * A run or publish killed while DuckLake was committing leaves a "hot" `-journal` beside the
 * catalog, and the file itself may hold half of that commit. SQLite rolls such a journal back
 * on the next read-write open; a read-only open cannot and fails ("attempt to write a readonly
 * database"). So before a read-only reader opens a local catalog, a leftover journal is rolled
 * back the way any later writer would: one read through a read-write attach. A journal that
 * belongs to a live writer is not hot (the writer holds its lock) and SQLite leaves it alone.
 * Returns whether there was anything to recover.
 */
export async function recoverInterruptedWrite(session: DuckDBSession, file: string): Promise<boolean> {
  if (!(await hasInterruptedWrite(file))) return false;
  await session.loadExtensions(['sqlite_scanner']);
  const alias = quoteIdentifier(`ducklake_recover_${++aliasCounter}`);
  await session.run(`ATTACH ${quoteLiteral(file)} AS ${alias} (TYPE sqlite)`);
  try {
    // Any table lookup reads SQLite's schema, which makes it check the journal; the table need not exist.
    await session.all(`SELECT count(*) FROM ${alias}.lakehouse_journal_probe`).catch(() => undefined);
  } finally {
    await session.run(`DETACH ${alias}`).catch(() => undefined);
  }
  return true;
}
