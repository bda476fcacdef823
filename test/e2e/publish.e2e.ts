/// <reference lib="dom" />
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  lakehouseFixture,
  type LakehouseFixture,
  openLakehouseEditor,
  type EditorSession,
  updateDocImage,
  workLocally,
} from './support/fixture';
import type { Workbench } from './support/workbench';

describe('Publish in code-server', () => {
  let lake: LakehouseFixture;
  let editor: EditorSession;
  let bench: Workbench;

  beforeAll(async () => {
    lake = await lakehouseFixture({ staleAfter: '12h' });
    // A run happened in this workspace: pulled, and a model wrote a table locally.
    await workLocally(lake, [
      "CREATE TABLE lake.main.daily_energy AS SELECT DATE '2026-01-01' + i::INTEGER AS day, 100 + i % 17 AS kwh FROM range(365) t(i)",
    ]);
    editor = await openLakehouseEditor(lake, { env: { LAKEHOUSE_PUBLISH_STEP_PAUSE_MS: '700' } });
    bench = editor.bench;
    await bench.waitForTreeText(/lease free/);
  });

  afterAll(async () => {
    await editor?.close();
    await lake?.stop();
  });

  it('confirms what goes up, shows the lease held by you while publishing and free after, and summarizes', async () => {
    // Record every lease text the tree and the status bar show while the publish runs.
    await bench.page.evaluate(() => {
      const seen: string[] = ((window as unknown as { __leaseTexts: string[] }).__leaseTexts = []);
      const record = () => {
        for (const row of document.querySelectorAll('.part.sidebar [role="treeitem"]')) {
          const label = row.getAttribute('aria-label') ?? '';
          if (label.includes('metadata.db') && seen.at(-1) !== label) seen.push(label);
        }
        const status = document.getElementById('workbench.parts.statusbar')?.innerText ?? '';
        if (status.includes('sales ·') && !seen.includes(`status:${status}`)) seen.push(`status:${status}`);
      };
      new MutationObserver(record).observe(document.body, {
        subtree: true,
        childList: true,
        characterData: true,
        attributes: true,
      });
    });

    const menu = (await bench.contextMenuEntries(/^sales/)).map((e) => e.label);
    expect(menu).toEqual(expect.arrayContaining(['Pull', 'Publish', 'Reset Local Catalog to Remote…']));
    await bench.page.keyboard.press('Escape');
    // Opening the menu can toggle the row; the catalog under it must stay in view.
    const row = bench.treeItem(/^sales/);
    if ((await row.getAttribute('aria-expanded')) === 'false') await row.locator('.monaco-tl-twistie').click();
    await bench.waitForTreeText(/lease free/);
    await bench.runCommand('Lakehouse: Publish');
    const dialog = bench.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 20_000 });
    await expect
      .poll(() => dialog.innerText())
      .toMatch(/Publish 1 table\(s\) to sales\?[\s\S]*main\.daily_energy[\s\S]*1 new data file\(s\)/);
    updateDocImage(await bench.screenshot('publish-confirm'), 'publish-confirm.png');
    await dialog.getByRole('button', { name: 'Publish' }).click();

    await bench.waitForTreeText(/held by you · .*publishing/, 20_000);
    await bench.screenshot('publish-running');
    const summary = await bench.waitForNotification(/Published sales: 1 table\(s\), 1 file\(s\), .* requests/, 60_000);
    expect(summary).toMatch(/\d+ requests, \d+\.\d s/);
    await bench.waitForTreeText(/lease free$/);
    await bench.screenshot('publish-done');

    const seen = await bench.page.evaluate(() => (window as unknown as { __leaseTexts: string[] }).__leaseTexts);
    expect(
      seen.some((t) => /held by you · .*publish/.test(t)),
      JSON.stringify(seen),
    ).toBe(true);
    expect(
      seen.some((t) => t.startsWith('status:') && t.includes('sales · publish')),
      JSON.stringify(seen),
    ).toBe(true);

    // What Fabric will read: the Delta log next to the table's Parquet files.
    const log = await lake.store
      .blob('Tables/main/daily_energy/_delta_log/00000000000000000000.json')
      .downloadToBuffer();
    expect(log.toString()).toContain('"protocol"');
    expect((await lake.guard.inspect()).status).toBe('free');
  });
});
