/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  lakehouseFixture,
  type LakehouseFixture,
  openLakehouseEditor,
  type EditorSession,
  workLocally,
} from './support/fixture';
import type { Workbench } from './support/workbench';

describe('Check Fabric Readiness in code-server', () => {
  let lake: LakehouseFixture;
  let editor: EditorSession;
  let bench: Workbench;

  beforeAll(async () => {
    lake = await lakehouseFixture({ staleAfter: '12h' });
    // Published tables the tree lists from storage: one Direct Lake rejects (BLOB), one clean.
    await workLocally(
      lake,
      [
        "CREATE TABLE lake.main.photos AS SELECT i AS id, '\\xAA'::BLOB AS payload FROM range(100) t(i)",
        'CREATE TABLE lake.main.sites AS SELECT i AS id, i * 2 AS kw FROM range(100) t(i)',
      ],
      { publish: true },
    );
    editor = await openLakehouseEditor(lake);
    bench = editor.bench;
    await bench.waitForTreeText(/lease free/);
  });

  afterAll(async () => {
    await editor?.close();
    await lake?.stop();
  });

  it('reports the finding with a Show Log action, and badges the table in the tree', async () => {
    await bench.treeItem(/^Tables/).click();
    await bench.treeItem(/^main/).click();
    // Before a check the row reads as its tooltip, the table's folder.
    await bench.waitForTreeText('Tables/main/photos');
    await bench.runCommand('Lakehouse: Check Fabric Readiness');
    const text = await bench.waitForNotification(
      /sales: 1 readiness finding\(s\) \(1 error\(s\)\) in 1 table\(s\) on F2/,
    );
    expect(text).toMatch(/on F2\.$/);
    const toast = bench.page.locator('.notification-toast').filter({ hasText: /readiness finding/ });
    await toast.getByRole('button', { name: 'Show Log' }).waitFor({ state: 'visible' });
    // The badge comes from the store the command filled; the clean table gets none.
    const row = await bench.waitForTreeText(/^photos, 1 Fabric readiness finding\(s\), 1 error\(s\)$/);
    expect(await row.innerText()).toMatch(/photos\s*⛔ 1/);
    const sites = await bench.waitForTreeText(/^Tables\/main\/sites\s+Fabric readiness: no findings$/);
    expect(await sites.innerText()).not.toMatch(/[⛔⚠]/);
  });
});
