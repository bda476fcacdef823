/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  lakehouseFixture,
  type LakehouseFixture,
  openLakehouseEditor,
  type EditorSession,
  updateDocImage,
} from './support/fixture';
import { widenSideBar } from './support/sideBar';
import type { Workbench } from './support/workbench';

const HOUR = 3_600_000;
const CATALOG_ROW = /Files\/metadata\.db/;

describe('Lease inspector in code-server', () => {
  let lake: LakehouseFixture;
  let editor: EditorSession;
  let bench: Workbench;

  beforeAll(async () => {
    lake = await lakehouseFixture({ staleAfter: '1h' });
    editor = await openLakehouseEditor(lake);
    bench = editor.bench;
  });

  afterAll(async () => {
    await editor?.close();
    await lake?.stop();
  });

  it('shows workspace → lakehouse → catalog with its real lease state, and the tables', async () => {
    await bench.waitForTreeText('e2e-workspace');
    await bench.waitForTreeText('sales');
    const catalog = await bench.waitForTreeText(CATALOG_ROW);
    await expect.poll(() => catalog.getAttribute('aria-label')).toMatch(/lease free/);
    await bench.treeItem(/^Tables/).click();
    await bench.treeItem(/^main/).click();
    await bench.waitForTreeText('meter_readings');
    await bench.waitForTreeText('sites');
  });

  it('shows "held by …" for a lease another process takes, after Refresh from the palette', async () => {
    const held = await lake.as('ana@laptop').acquire({ operation: 'publish' });
    await bench.runCommand('Lakehouse: Refresh');
    const row = await bench.waitForTreeText(/held by ana@laptop/);
    await widenSideBar(bench, 620);
    await row.hover();
    // Best effort for the documentation shot: the tooltip names holder, run and stale-at.
    await bench.page
      .locator('.monaco-hover, .workbench-hover')
      .first()
      .waitFor({ timeout: 5_000 })
      .catch(() => undefined);
    const shot = await bench.screenshot('lease-held');
    await bench.page.mouse.move(900, 600);
    updateDocImage(shot, 'lease-inspector.png');
    const entries = (await bench.contextMenuEntries(CATALOG_ROW)).map((e) => e.label);
    expect(entries).toContain('Force Break Lease…');
    expect(entries).not.toContain('Break Stale Lease');
    await bench.page.keyboard.press('Escape');
    await lake.guard.forceBreak();
    // The lease ana's process took is gone: her next write would fail and write nothing.
    expect((await lake.guard.inspect()).status).toBe('broken');
    await expect(lake.as('ana@laptop').verify(held)).rejects.toThrow(/lease on metadata\.db was lost/);
  });

  it('offers Break Stale Lease only when stale, and running it frees the catalog', async () => {
    // Staleness is judged on the service's clock: a crashed holder whose own clock is 2 h behind is
    // not stale by that; it is once its stamp is older than a short threshold.
    const yml = join(lake.workspace, 'lakehouse.yml');
    const original = readFileSync(yml, 'utf8');
    writeFileSync(yml, original.replace('staleAfter: 1h', 'staleAfter: 3s'));
    try {
      await lake.as('crashed@ci', () => new Date(Date.now() - 2 * HOUR)).acquire({ operation: 'run' });
      await expect
        .poll(
          async () => {
            await bench.runCommand('Lakehouse: Refresh');
            return (await bench.page.getByText(/stale · \d+ s · crashed@ci/).count()) > 0;
          },
          { timeout: 60_000, interval: 1_000 },
        )
        .toBe(true);
      await staleBreak();
    } finally {
      writeFileSync(yml, original);
    }
  });

  async function staleBreak(): Promise<void> {
    updateDocImage(await bench.screenshot('lease-stale'), 'lease-stale.png');
    const entries = (await bench.contextMenuEntries(CATALOG_ROW)).map((e) => e.label);
    expect(entries).toContain('Break Stale Lease');
    await bench.page.keyboard.press('Escape');

    await bench.contextMenu(CATALOG_ROW, 'Break Stale Lease');
    await bench.page.getByRole('button', { name: 'Break Lease' }).click();
    await bench.waitForNotification(/Broke the stale lease on metadata\.db held by crashed@ci/);
    await bench.waitForTreeText(/free · last lease broken/);
    expect((await lake.guard.inspect()).status).toBe('broken');
    await bench.screenshot('lease-broken');
  }

  it('holds the lease from this window with the status bar showing it, and releases it', async () => {
    await bench.dismissNotifications();
    await bench.contextMenu(CATALOG_ROW, 'Acquire Lease');
    await bench.waitForTreeText(/held by you · \d+ s · manual/);
    await bench.page.locator('#workbench\\.parts\\.statusbar').getByText('sales · manual').waitFor({ timeout: 15_000 });
    await bench.screenshot('lease-mine');
    expect((await lake.guard.inspect()).stamp?.holder).toBe('e2e@code-server');
    await bench.contextMenu(CATALOG_ROW, 'Release Lease');
    await bench.waitForTreeText(/lease free$/);
    expect((await lake.guard.inspect()).status).toBe('free');
    await bench.page
      .locator('#workbench\\.parts\\.statusbar')
      .getByText('sales · manual')
      .waitFor({ state: 'hidden', timeout: 15_000 });
  });

  it('offers Run Query only where there is SQL to run (no SQL editor is open here)', async () => {
    await expect(bench.runCommand('Lakehouse: Run Query', 5_000)).rejects.toThrow(/not in the command palette/);
  });

  it('keeps the lease this window holds across a window reload: status bar, then Release from it', async () => {
    const statusBar = bench.page.locator('#workbench\\.parts\\.statusbar');
    await bench.dismissNotifications();
    await bench.contextMenu(CATALOG_ROW, 'Acquire Lease');
    await statusBar.getByText('sales · manual').waitFor({ timeout: 15_000 });
    const taken = await lake.guard.inspect();
    expect(taken.status).toBe('held');

    // The workbench's own reload: the extension host restarts, memory is gone, workspaceState stays.
    await bench.runCommand('Developer: Reload Window');
    await bench.page.waitForEvent('load', { timeout: 60_000 });
    await bench.page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 60_000 });
    await statusBar.getByText('sales · manual').waitFor({ timeout: 60_000 });
    // Still the same lease on the remote: the restore re-checked it and kept it.
    const still = await lake.guard.inspect();
    expect(still.status).toBe('held');
    expect(still.stamp?.run_id).toBe(taken.stamp?.run_id);
    await bench.screenshot('lease-after-reload');

    // Release from the status bar item: the restored lease id releases the remote lease.
    await statusBar.getByText('sales · manual').click();
    await expect.poll(async () => (await lake.guard.inspect()).status, { timeout: 30_000 }).toBe('free');
    await statusBar.getByText('sales · manual').waitFor({ state: 'hidden', timeout: 15_000 });
    // Released without an error (no "busy", no "lease was lost").
    expect((await bench.notifications()).filter((n) => /busy|lost|failed|Could not/i.test(n))).toEqual([]);
  });
});
