import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { DuckDBSession } from '../src/core/lake/duckdb';
import { createJinjaEnvironment } from '../src/core/models/jinja/environment';
import { loadProfile } from '../src/core/models/profile';
import { prepareSession } from '../src/core/models/session-setup';

/** What the built-in side sent, per node (undefined for project hooks), in the order sent. */
export interface RecordedStatement {
  node: string | null;
  sql: string;
}

/** Collects a run's statements; written to `file` when the run ends (bench only). */
export function statementRecorder(file: string | undefined) {
  const recorded: RecordedStatement[] = [];
  return {
    listener: file ? (sql: string, node: string | undefined) => recorded.push({ node: node ?? null, sql }) : undefined,
    save: () => {
      if (file) writeFileSync(file, JSON.stringify(recorded));
    },
  };
}

/**
 * The floor: the SQL the built-in runner compiled and sent (hooks, DDL, DML,
 * tests, run_query), replayed by one DuckDB process set up from the same
 * profile — no parsing, no Jinja, no introspection, no artifacts. Each node's
 * statements run together, in the order the nodes started.
 */
export async function replayFloor(projectDir: string, statementsFile: string): Promise<{ statements: number }> {
  const recorded = JSON.parse(readFileSync(statementsFile, 'utf8')) as RecordedStatement[];
  const project = parse(readFileSync(join(projectDir, 'dbt_project.yml'), 'utf8')) as { profile: string };
  const profile = loadProfile({
    projectDir,
    profileName: project.profile,
    env: process.env,
    vars: {},
    jinja: createJinjaEnvironment(),
  });
  const extensionDirectory = process.env.LAKEHOUSE_DUCKDB_EXTENSIONS;
  const session = await DuckDBSession.open(extensionDirectory ? { extensionDirectory } : {});
  try {
    await prepareSession(session, { profile, projectDir });
    for (const group of byNode(recorded)) for (const sql of group) await session.run(sql);
    return { statements: recorded.length };
  } finally {
    session.close();
  }
}

function byNode(recorded: RecordedStatement[]): string[][] {
  const groups: string[][] = [];
  const open = new Map<string, string[]>();
  let hooks: string[] | undefined;
  for (const { node, sql } of recorded) {
    if (node === null) {
      if (!hooks) groups.push((hooks = []));
      hooks.push(sql);
      continue;
    }
    hooks = undefined;
    let group = open.get(node);
    if (!group) open.set(node, (group = groups[groups.push([]) - 1]!));
    group.push(sql);
  }
  return groups;
}
