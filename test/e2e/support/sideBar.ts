/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import { expect } from 'vitest';
import type { Workbench } from './workbench';

/** Drags the side bar's sash so descriptions are not cut off in screenshots. */
export async function widenSideBar(bench: Workbench, width: number): Promise<void> {
  const box = await bench.page.locator('.part.sidebar').boundingBox();
  if (!box) throw new Error('no side bar to widen');
  const edge = box.x + box.width;
  const sashX = await bench.page.evaluate((x) => {
    for (const el of document.querySelectorAll('.monaco-sash.vertical')) {
      const r = el.getBoundingClientRect();
      if (Math.abs(r.left + r.width / 2 - x) < 6 && r.height > 200) return r.left + r.width / 2;
    }
    return x;
  }, edge);
  const y = box.y + box.height / 2;
  await bench.page.mouse.move(sashX, y);
  await bench.page.mouse.down();
  await bench.page.mouse.move(box.x + width, y, { steps: 10 });
  await bench.page.mouse.up();
  await expect
    .poll(async () => (await bench.page.locator('.part.sidebar').boundingBox())?.width ?? 0)
    .toBeGreaterThan(width - 60);
}

/** Collapses a view section of the side bar by its title (e.g. "Lakehouses"). */
export async function collapseView(bench: Workbench, title: string): Promise<void> {
  const header = bench.page.locator('.part.sidebar .pane-header', { hasText: new RegExp(`^${title}`, 'i') }).first();
  if ((await header.getAttribute('aria-expanded')) === 'true') await header.click();
  await expect.poll(() => header.getAttribute('aria-expanded')).toBe('false');
}

/** Expands a view section of the side bar by its title. */
export async function expandView(bench: Workbench, title: string): Promise<void> {
  const header = bench.page.locator('.part.sidebar .pane-header', { hasText: new RegExp(`^${title}`, 'i') }).first();
  if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
  await expect.poll(() => header.getAttribute('aria-expanded')).toBe('true');
}
