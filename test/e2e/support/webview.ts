// Webviews in the workbench: an outer iframe.webview hosting the page's own #active-frame.
import { readdirSync, readFileSync } from 'node:fs';
import type { FrameLocator, Page } from 'playwright-core';

/** The content frame of the (only, or the given-index) webview on the page. */
export function webviewFrame(page: Page, index = 0): FrameLocator {
  return page.frameLocator('iframe.webview.ready').nth(index).frameLocator('iframe#active-frame');
}

/** Opens a workspace file through Quick Open (Ctrl+P) and focuses its editor. */
export async function openFile(page: Page, name: string): Promise<void> {
  // Quick Open can take Enter before its results settle; try again until the file's editor shows.
  for (let attempt = 1; ; attempt++) {
    try {
      await tryOpenFile(page, name);
      return;
    } catch (error) {
      if (attempt === 3) {
        await page.screenshot({ path: `test-results/open-file-failed-${name}.png` });
        throw error;
      }
      await page.keyboard.press('Escape');
    }
  }
}

async function tryOpenFile(page: Page, name: string): Promise<void> {
  const widget = page.locator('.quick-input-widget');
  for (let attempt = 0; attempt < 5 && !(await widget.isVisible()); attempt++) {
    await page.locator('.monaco-workbench').focus();
    await page.keyboard.press('Control+P');
    await widget.waitFor({ state: 'visible', timeout: 3_000 }).catch(() => undefined);
  }
  await page.locator('.quick-input-widget .quick-input-box input').fill(name);
  const row = page.locator('.quick-input-widget .monaco-list-row[role="option"]', { hasText: name }).first();
  await row.waitFor({ state: 'visible' });
  await row.click();
  // Focus the editor of the group now showing the file (not another group's editor).
  const group = page
    .locator('.part.editor .editor-group-container')
    .filter({ has: page.locator(`.tabs-container .tab.active[aria-label^="${name}"]`) })
    .last();
  await group.waitFor({ state: 'visible', timeout: 10_000 });
  await group.locator('.monaco-editor .view-lines').first().click();
}

/**
 * Pids of the processes whose command line holds every marker (e.g. the
 * code-server's own extensions folder and the engine's script), so a test
 * only ever touches what its own editor started.
 */
export function processesMatching(...markers: string[]): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    if (markers.every((m) => cmdline.includes(m))) pids.push(Number(name));
  }
  return pids;
}
