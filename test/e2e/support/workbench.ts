// Drives code-server's web workbench with Debian's chromium through playwright-core.
// Selectors were checked against code-server 4.100.3 (VS Code 1.100.3).
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export class WorkbenchError extends Error {
  override name = 'WorkbenchError';
}

export interface MenuEntry {
  label: string;
  /** false for entries greyed out by their `enablement` clause. */
  enabled: boolean;
}

export interface Workbench {
  page: Page;
  openViewContainer(title: string): Promise<void>;
  runCommand(title: string, timeoutMs?: number): Promise<void>;
  /** Whether the command palette offers this command now (its `when` clause holds). */
  commandOffered(title: string, timeoutMs?: number): Promise<boolean>;
  treeItem(label: string | RegExp): Locator;
  waitForTreeText(text: string | RegExp, timeoutMs?: number): Promise<Locator>;
  waitForSideBarText(text: string | RegExp, timeoutMs?: number): Promise<void>;
  contextMenu(rowLabel: string | RegExp, commandTitle: string): Promise<void>;
  contextMenuEntries(rowLabel: string | RegExp): Promise<MenuEntry[]>;
  notifications(): Promise<string[]>;
  waitForNotification(text: string | RegExp, timeoutMs?: number): Promise<string>;
  dismissNotifications(): Promise<void>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

const CHROMIUM = process.env.LAKEHOUSE_CHROMIUM ?? '/usr/bin/chromium';
const RESULTS_DIR = fileURLToPath(new URL('../../../test-results/', import.meta.url));
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const SELECTORS = {
  workbench: '.monaco-workbench',
  activityBarItem: '.part.activitybar a.action-label',
  sideBar: '.part.sidebar',
  treeRow: '.monaco-list-row[role="treeitem"]',
  treeRowLabel: '.label-name',
  quickInputBox: '.quick-input-widget .quick-input-box input',
  quickInputRow: '.quick-input-widget .monaco-list-row[role="option"]',
  contextMenu: '.context-view.monaco-menu-container',
  contextMenuItem: 'a.action-menu-item[role="menuitem"]',
  contextMenuLabel: 'span.action-label',
  toastMessage: '.notifications-toasts .notification-toast .notification-list-item-message',
} as const;

function cssString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function exactly(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

class PlaywrightWorkbench implements Workbench {
  constructor(
    readonly page: Page,
    private readonly context: BrowserContext,
    private readonly profileDir: string,
  ) {}

  private get sideBar(): Locator {
    return this.page.locator(SELECTORS.sideBar);
  }

  async openViewContainer(title: string): Promise<void> {
    // VS Code appends the keybinding to built-in labels, e.g. "Explorer (Ctrl+Shift+E)".
    const item = this.page
      .locator(
        `${SELECTORS.activityBarItem}[aria-label=${cssString(title)}], ${SELECTORS.activityBarItem}[aria-label^=${cssString(`${title} (`)}]`,
      )
      .first();
    try {
      await item.waitFor({ state: 'visible', timeout: 30_000 });
    } catch {
      throw new WorkbenchError(
        `no activity bar item "${title}": is the extension installed and its viewsContainers title spelled the same?`,
      );
    }
    // Clicking the already active container would collapse the side bar.
    const tab = item.locator('xpath=ancestor::li[1]');
    if (!(await tab.evaluate((li) => li.classList.contains('checked')))) await item.click();
    await this.page.waitForFunction((li) => li?.classList.contains('checked'), await tab.elementHandle());
    await this.sideBar.waitFor({ state: 'visible' });
  }

  private async openPalette(): Promise<void> {
    // The input box, not the widget: a widget still closing from the last command is visible a moment
    // longer than its input, and typing into it then waits for an input that never shows again.
    const input = this.page.locator(SELECTORS.quickInputBox);
    // Right after load the keybinding service may not be listening yet: retry F1.
    for (let attempt = 0; attempt < 5; attempt++) {
      if (await input.isVisible()) return;
      await this.page.locator(SELECTORS.workbench).focus();
      await this.page.keyboard.press('F1');
      try {
        await input.waitFor({ state: 'visible', timeout: 3_000 });
        return;
      } catch {
        // try again
      }
    }
    throw new WorkbenchError('the command palette did not open after pressing F1 five times');
  }

  /** Opens the command palette and types `text` into it, opening it afresh if it closed under the typing. */
  private async typeInPalette(text: string): Promise<void> {
    const input = this.page.locator(SELECTORS.quickInputBox);
    for (let attempt = 0; attempt < 3; attempt++) {
      await this.openPalette();
      try {
        await input.fill(text, { timeout: 5_000 });
        return;
      } catch {
        // It was closing as we looked: close it for sure and open it again.
        await this.page.keyboard.press('Escape');
      }
    }
    throw new WorkbenchError(`the command palette closed each time "${text}" was typed into it`);
  }

  async runCommand(title: string, timeoutMs = 30_000): Promise<void> {
    await this.typeInPalette(`>${title}`);
    // Rows can carry ", recently used" or a keybinding after the title in their aria-label.
    const row = this.page
      .locator(SELECTORS.quickInputRow)
      .filter({ has: this.page.locator('.monaco-highlighted-label', { hasText: exactly(title) }) })
      .first();
    try {
      // Extension commands appear once the extension host has registered its contributions.
      await row.waitFor({ state: 'visible', timeout: timeoutMs });
    } catch {
      const offered = await this.page
        .locator(SELECTORS.quickInputRow)
        .evaluateAll((rows) => rows.map((r) => r.getAttribute('aria-label')));
      await this.page.keyboard.press('Escape');
      throw new WorkbenchError(
        `command "${title}" is not in the command palette (its "when" clause hides it, or the extension did not activate); offered: ${JSON.stringify(offered)}`,
      );
    }
    await row.click();
    // The widget is hidden, not removed, once the command starts.
    await row.waitFor({ state: 'hidden' });
  }

  /**
   * Whether the command palette offers a command now (its `when` clause holds). Waits until the
   * palette has filtered for the title: its rows then all match the query, or it shows VS Code's
   * "No matching commands" row.
   */
  async commandOffered(title: string, timeoutMs = 30_000): Promise<boolean> {
    await this.typeInPalette(`>${title}`);
    const words = title
      .toLowerCase()
      .split(/[^a-z]+/)
      .filter(Boolean);
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        const labels = await this.page
          .locator(SELECTORS.quickInputRow)
          .evaluateAll((rows) =>
            rows.map((r) => r.querySelector('.monaco-highlighted-label')?.textContent?.trim() ?? ''),
          );
        const filtered =
          labels.length > 0 &&
          labels.every((l) => l === 'No matching commands' || words.some((w) => l.toLowerCase().includes(w)));
        if (filtered) return labels.includes(title);
        if (Date.now() > deadline)
          throw new WorkbenchError(`the palette never filtered for "${title}"; rows: ${JSON.stringify(labels)}`);
        await this.page.waitForTimeout(200);
      }
    } finally {
      await this.page.keyboard.press('Escape');
    }
  }

  treeItem(label: string | RegExp): Locator {
    const rows = this.sideBar.locator(SELECTORS.treeRow);
    // A string matches the item label exactly; a RegExp matches "label description" (the aria-label).
    if (typeof label === 'string') {
      return rows.filter({ has: this.page.locator(SELECTORS.treeRowLabel, { hasText: exactly(label) }) }).first();
    }
    return this.sideBar.getByRole('treeitem', { name: label }).first();
  }

  async waitForTreeText(text: string | RegExp, timeoutMs = 30_000): Promise<Locator> {
    const row = this.sideBar.getByRole('treeitem', { name: text }).first();
    try {
      await row.waitFor({ state: 'visible', timeout: timeoutMs });
    } catch {
      const rows = await this.sideBar
        .locator(SELECTORS.treeRow)
        .evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
      throw new WorkbenchError(
        `no tree row matching ${String(text)} within ${timeoutMs} ms; rows: ${JSON.stringify(rows)}`,
      );
    }
    return row;
  }

  async waitForSideBarText(text: string | RegExp, timeoutMs = 30_000): Promise<void> {
    // For viewsWelcome content and messages, which are not tree rows.
    await this.sideBar.getByText(text).first().waitFor({ state: 'visible', timeout: timeoutMs });
  }

  private async openContextMenu(rowLabel: string | RegExp): Promise<Locator> {
    const row = this.treeItem(rowLabel);
    try {
      await row.waitFor({ state: 'visible', timeout: 30_000 });
    } catch {
      throw new WorkbenchError(`no tree row ${String(rowLabel)} to right-click: open its view container first`);
    }
    const menu = this.page.locator(SELECTORS.contextMenu);
    // A tree that re-renders while it is clicked (a publish refreshes it often) can put another row
    // under the pointer, and the menu is then that row's: check the focused row, and try again if not.
    for (let attempt = 1; ; attempt++) {
      // Right-click only: a left click on a collapsible row also expands or collapses it.
      await row.click({ button: 'right' });
      await menu.locator(SELECTORS.contextMenuItem).first().waitFor({ state: 'visible' });
      const focused = await this.sideBar
        .locator(`${SELECTORS.treeRow}.focused`)
        .first()
        .getAttribute('aria-label')
        .catch(() => null);
      const ours =
        focused !== null && (typeof rowLabel === 'string' ? focused.startsWith(rowLabel) : rowLabel.test(focused));
      if (ours || attempt === 5) return menu;
      await this.closeMenu(menu);
    }
  }

  // The menu's container div outlives the menu; its items are what disappear.
  private async menuClosed(menu: Locator, timeoutMs?: number): Promise<void> {
    await menu.locator(SELECTORS.contextMenuItem).first().waitFor({ state: 'hidden', timeout: timeoutMs });
  }

  private async closeMenu(menu: Locator): Promise<void> {
    await this.page.keyboard.press('Escape');
    await this.menuClosed(menu);
  }

  async contextMenuEntries(rowLabel: string | RegExp): Promise<MenuEntry[]> {
    const menu = await this.openContextMenu(rowLabel);
    const entries = await menu.locator(SELECTORS.contextMenuItem).evaluateAll((items) =>
      items.map((a) => ({
        label: a.querySelector('span.action-label')?.textContent?.trim() ?? '',
        enabled: !a.closest('li')?.classList.contains('disabled'),
      })),
    );
    await this.closeMenu(menu);
    return entries;
  }

  async contextMenu(rowLabel: string | RegExp, commandTitle: string): Promise<void> {
    const menu = await this.openContextMenu(rowLabel);
    const item = menu
      .locator(SELECTORS.contextMenuItem)
      .filter({ has: this.page.locator(SELECTORS.contextMenuLabel, { hasText: exactly(commandTitle) }) });
    if ((await item.count()) === 0) {
      const labels = await menu.locator(`${SELECTORS.contextMenuItem} ${SELECTORS.contextMenuLabel}`).allTextContents();
      await this.closeMenu(menu);
      throw new WorkbenchError(
        `context menu of ${String(rowLabel)} has no "${commandTitle}"; it has ${JSON.stringify(labels)}`,
      );
    }
    // A click landing right after the menu opens is swallowed by VS Code's menu; click until it closes.
    for (let attempt = 0; attempt < 10; attempt++) {
      await item.first().click();
      try {
        await this.menuClosed(menu, 500);
        return;
      } catch {
        // still open: the click was ignored
      }
    }
    throw new WorkbenchError(`clicking "${commandTitle}" in the context menu of ${String(rowLabel)} did not run it`);
  }

  async notifications(): Promise<string[]> {
    const texts = await this.page.locator(SELECTORS.toastMessage).allInnerTexts();
    return texts.map((t) => t.trim());
  }

  async waitForNotification(text: string | RegExp, timeoutMs = 30_000): Promise<string> {
    const toast = this.page.locator(SELECTORS.toastMessage).filter({ hasText: text }).first();
    try {
      await toast.waitFor({ state: 'visible', timeout: timeoutMs });
    } catch {
      throw new WorkbenchError(
        `no notification matching ${String(text)} within ${timeoutMs} ms; showing ${JSON.stringify(await this.notifications())}`,
      );
    }
    return (await toast.innerText()).trim();
  }

  async dismissNotifications(): Promise<void> {
    if ((await this.page.locator(SELECTORS.toastMessage).count()) === 0) return;
    await this.runCommand('Notifications: Clear All Notifications');
    await this.page.locator(SELECTORS.toastMessage).first().waitFor({ state: 'detached' });
  }

  async screenshot(name: string): Promise<string> {
    mkdirSync(RESULTS_DIR, { recursive: true });
    const path = join(RESULTS_DIR, `${name.replace(/[^\w.-]+/g, '_')}.png`);
    await this.page.screenshot({ path });
    return path;
  }

  async close(): Promise<void> {
    await this.context.close();
    rmSync(this.profileDir, { recursive: true, force: true, maxRetries: 3 });
  }
}

export async function openWorkbench(url: string, folder: string): Promise<Workbench> {
  if (!existsSync(CHROMIUM)) {
    throw new WorkbenchError(`chromium not found at ${CHROMIUM}: run scripts/provision-code-server.sh`);
  }
  // A fresh profile per workbench: no cached service worker or storage leaks between suites.
  const profileDir = mkdtempSync(join(tmpdir(), 'lakehouse-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 900 },
  });
  context.setDefaultTimeout(30_000);
  const page = context.pages()[0] ?? (await context.newPage());
  const target = new URL(url);
  target.searchParams.set('folder', folder);
  try {
    await page.goto(target.toString());
    await page.locator(`${SELECTORS.workbench} ${SELECTORS.activityBarItem}`).first().waitFor({ timeout: 60_000 });
  } catch (error) {
    await context.close();
    rmSync(profileDir, { recursive: true, force: true });
    const detail = error instanceof Error ? error.message : String(error);
    throw new WorkbenchError(`the workbench at ${target} did not load: ${detail}`);
  }
  return new PlaywrightWorkbench(page, context, profileDir);
}
