import { copyFileSync, cpSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runModels } from '../../../src/core/models';
import { makeProject, openSession, withSession, type Workspace } from './helpers';

let ws: Workspace | undefined;
afterEach(() => ws?.cleanup());

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

describe('catalog override (a pulled metadata.db with a local mirror as DATA_PATH)', () => {
  it('runs against the copy, writes new files to the mirror and keeps the stored data path', async () => {
    ws = makeProject({
      'models/events.sql': [
        "{{ config(materialized='incremental') }}",
        "select range as id from range({{ var('n') }})",
        '{% if is_incremental() %}where range > (select max(id) from {{ this }}){% endif %}',
      ].join('\n'),
    });
    // The "remote" lakehouse: the profile's own catalog and data folder.
    await withSession((session) => runModels({ projectDir: ws!.projectDir, session, env: ws!.env, vars: { n: 3000 } }));
    const remoteFiles = filesUnder(ws.dataPath);

    // Pull: copy the catalog and mirror the data files somewhere else.
    const pulled = join(ws.root, 'pulled', 'metadata.db');
    const mirror = join(ws.root, 'mirror') + '/';
    mkdirSync(join(ws.root, 'pulled'));
    copyFileSync(ws.catalogPath, pulled);
    cpSync(ws.dataPath, mirror, { recursive: true });

    const summary = await withSession((session) =>
      runModels({
        projectDir: ws!.projectDir,
        session,
        env: ws!.env,
        vars: { n: 8000 },
        catalogOverride: { alias: 'lake', catalogPath: pulled, dataPath: mirror },
      }),
    );
    expect(summary.success).toBe(true);
    expect(summary.results[0]!.rowsAffected).toBe(5000);

    // The remote side is untouched; the mirror got the new Parquet file.
    expect(remoteFiles.length).toBeGreaterThan(0);
    expect(filesUnder(ws.dataPath)).toEqual(remoteFiles);
    expect(filesUnder(mirror).length).toBe(remoteFiles.length + 1);

    const session = await openSession();
    try {
      await session.loadExtensions(['ducklake', 'sqlite_scanner']);
      await session.run(`ATTACH '${pulled}' AS meta (TYPE sqlite, READ_ONLY)`);
      expect(await session.all(`SELECT value FROM meta.ducklake_metadata WHERE key = 'data_path'`)).toEqual([
        { value: ws.dataPath },
      ]);
      await session.run(
        `ATTACH 'ducklake:sqlite:${pulled}' AS copy (DATA_PATH '${mirror}', OVERRIDE_DATA_PATH true, READ_ONLY)`,
      );
      expect(await session.all('SELECT count(*) AS n, max(id) AS m FROM copy.main.events')).toEqual([
        { n: 8000n, m: 7999n },
      ]);
      await session.run(`ATTACH 'ducklake:sqlite:${ws.catalogPath}' AS remote (DATA_PATH '${ws.dataPath}', READ_ONLY)`);
      expect(await session.all('SELECT count(*) AS n FROM remote.main.events')).toEqual([{ n: 3000n }]);
    } finally {
      session.close();
    }
  });
});
