import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lakehouseFixture, type LakehouseFixture, openLakehouseEditor, type EditorSession } from './support/fixture';
import type { Workbench } from './support/workbench';

describe('Restricted Mode (untrusted workspace)', () => {
  let lake: LakehouseFixture;
  let editor: EditorSession;
  let bench: Workbench;

  beforeAll(async () => {
    lake = await lakehouseFixture({ staleAfter: '12h' });
    editor = await openLakehouseEditor(lake, { trusted: false });
    bench = editor.bench;
  });

  afterAll(async () => {
    await editor?.close();
    await lake?.stop();
  });

  it('explains itself, reads no lakehouse.yml, and does not let Run Models run', async () => {
    await bench.waitForSideBarText(/off in Restricted Mode/);
    await bench.page.getByRole('button', { name: 'Manage Workspace Trust' }).waitFor();
    // The workspace's lakehouse.yml names a lakehouse; in Restricted Mode it is not read.
    expect(await bench.page.locator('.part.sidebar [role="treeitem"]').count()).toBe(0);
    await bench.screenshot('restricted-mode');

    await bench.page.keyboard.press('F1');
    const input = bench.page.locator('.quick-input-widget .quick-input-box input');
    await input.fill('>Lakehouse: ');
    const rows = bench.page.locator('.quick-input-widget .monaco-list-row[role="option"]');
    // A command that needs no trust is listed; the ones that run SQL or write are not.
    await rows.filter({ hasText: 'Create lakehouse.yml' }).first().waitFor({ timeout: 15_000 });
    const labels = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''));
    expect(labels.some((l) => l.includes('Create lakehouse.yml'))).toBe(true);
    expect(labels.filter((l) => /Run Models|Publish|Break Stale Lease/.test(l))).toEqual([]);
    await bench.page.keyboard.press('Escape');
  });
});
