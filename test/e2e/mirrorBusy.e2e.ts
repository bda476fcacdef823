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

/** The lakehouse's menu entries that take its local mirror (each would be refused `mirror-busy` mid-publish). */
const MIRROR_ENTRIES = ['Pull', 'Publish', 'Reset Local Catalog to Remote…', 'Run All Models', 'Export Delta'];

describe('Commands that take a busy mirror, in code-server', () => {
  let lake: LakehouseFixture;
  let editor: EditorSession;
  let bench: Workbench;

  beforeAll(async () => {
    lake = await lakehouseFixture({ staleAfter: '12h' });
    // A run happened in this workspace: pulled, and a model wrote a table locally, so Publish has work.
    await workLocally(lake, ['CREATE TABLE lake.main.busy_check AS SELECT i AS id FROM range(100) t(i)']);
    // Each publish step pauses, so the publish is provably still running while the menus are read.
    editor = await openLakehouseEditor(lake, { env: { LAKEHOUSE_PUBLISH_STEP_PAUSE_MS: '5000' } });
    bench = editor.bench;
    await bench.waitForTreeText(/lease free/);
  });

  afterAll(async () => {
    await editor?.close();
    await lake?.stop();
  });

  it('while Publish runs, neither the lakehouse menu nor the palette offers Pull, Publish, Reset, Run or Export; after, they are back', async () => {
    const before = (await bench.contextMenuEntries(/^sales/)).map((e) => e.label);
    expect(before).toEqual(expect.arrayContaining(MIRROR_ENTRIES));
    expect(await bench.commandOffered('Lakehouse: Pull')).toBe(true);

    await bench.runCommand('Lakehouse: Publish');
    const dialog = bench.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 20_000 });
    await dialog.getByRole('button', { name: 'Publish' }).click();

    // The lakehouse row says what runs on its mirror.
    await bench.waitForTreeText(/^sales[\s\S]*publish running/, 30_000);
    const during = (await bench.contextMenuEntries(/^sales[\s\S]*publish running/)).map((e) => e.label);
    for (const entry of MIRROR_ENTRIES) expect(during, JSON.stringify(during)).not.toContain(entry);
    // Reading commands stay.
    expect(during).toContain('Check Fabric Readiness');
    expect(await bench.commandOffered('Lakehouse: Pull')).toBe(false);
    expect(await bench.commandOffered('Lakehouse: Run Models')).toBe(false);
    // Still running: the checks above saw the busy state, not its end.
    await bench.waitForTreeText(/^sales[\s\S]*publish running/, 1_000);
    await bench.screenshot('mirror-busy-menu');

    await bench.waitForNotification(/Published sales/, 180_000);
    await bench.waitForTreeText(/lease free$/);
    const row = bench.treeItem(/^sales/);
    await expect.poll(async () => (await row.getAttribute('aria-label')) ?? '').not.toMatch(/running/);
    const after = (await bench.contextMenuEntries(/^sales/)).map((e) => e.label);
    expect(after).toEqual(expect.arrayContaining(MIRROR_ENTRIES));
    expect(await bench.commandOffered('Lakehouse: Pull')).toBe(true);
  });
});
