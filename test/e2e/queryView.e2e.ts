/// <reference lib="dom" />
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  lakehouseFixture,
  openLakehouseEditor,
  updateDocImage,
  type EditorSession,
  type LakehouseFixture,
  workLocally,
} from './support/fixture';
import { openFile, processesMatching, webviewFrame } from './support/webview';
import { expandView } from './support/sideBar';
import type { Workbench } from './support/workbench';

// Values a hostile table could hold; each must render as exactly this text and run nothing.
const HOSTILE: Record<string, string> = {
  img: '<img src=x onerror="window.__pwned=1">',
  script: '</script><script>window.__pwned=2</script>',
  js: 'javascript:window.__pwned=3',
  control: 'a\u0001b\u0007c\u001b[31mred\u007f',
  rtl: 'مرحبا \u202eabc\u202c שלום',
  word: 'NULL',
};

const QUERIES: Record<string, string> = {
  'energy.sql': 'SELECT day, kwh, kwh * 1.5 AS cost FROM main.daily_energy ORDER BY day',
  'million.sql': 'select range as i from range(1000000)',
  'hostile.sql': [
    'SELECT',
    ...Object.entries(HOSTILE).map(([k, v]) => `  ${sqlText(v)} AS ${k},`),
    "  '' AS empty,",
    '  NULL::VARCHAR AS nul,',
    "  repeat('x', 1048576) AS big",
  ].join('\n'),
  'exact.sql': [
    'SELECT',
    '  170141183460469231731687303715884105727::HUGEINT AS h_max,',
    '  (-170141183460469231731687303715884105727 - 1)::HUGEINT AS h_min,',
    '  18446744073709551615::UBIGINT AS u_max,',
    '  9999999999999999999999999999.9999999999::DECIMAL(38,10) AS d_max,',
    '  -9999999999999999999999999999.9999999999::DECIMAL(38,10) AS d_min,',
    "  TIMESTAMPTZ '2024-03-10 01:59:59.123456+05:30' AS tz,",
    "  TIMESTAMP '1999-12-31 23:59:59.999999' AS ts",
  ].join('\n'),
  'slow.sql': 'SELECT count(*) FROM range(100000000000) a WHERE hash(a.range) % 7 = 3',
  'broken.sql': 'SELECT day,\n  kwh\nFROM main.no_such_table',
};

/** A SQL string literal for `v`; control characters as chr(n) so the .sql file stays printable. */
function sqlText(v: string): string {
  const parts: string[] = [];
  let run = '';
  for (const ch of v) {
    const code = ch.charCodeAt(0);
    if (code < 32 || code === 127) {
      if (run) parts.push(`'${run.replace(/'/g, "''")}'`);
      run = '';
      parts.push(`chr(${code})`);
    } else run += ch;
  }
  if (run || parts.length === 0) parts.push(`'${run.replace(/'/g, "''")}'`);
  return parts.join(' || ');
}

describe('Query results view in code-server', () => {
  let lake: LakehouseFixture;
  let editor: EditorSession;
  let bench: Workbench;
  let page: Page;
  let frame: FrameLocator;

  beforeAll(async () => {
    lake = await lakehouseFixture({ staleAfter: '12h' });
    const { published } = await workLocally(
      lake,
      [
        "CREATE TABLE lake.main.daily_energy AS SELECT DATE '2026-01-01' + i::INTEGER AS day, 100 + i % 17 AS kwh FROM range(365) t(i)",
      ],
      // Published as Fabric will read it: Delta next to the Parquet files.
      { publish: true },
    );
    expect(published).toBe('published');
    // The fixture's placeholder tables are not Delta; keep the published tree to the real one.
    await lake.store.blob('Tables/main/meter_readings/ducklake-0001.parquet').deleteIfExists();
    await lake.store.blob('Tables/main/sites/ducklake-0002.parquet').deleteIfExists();
    for (const [name, sql] of Object.entries(QUERIES)) writeFileSync(join(lake.workspace, name), `${sql}\n`);
    editor = await openLakehouseEditor(lake);
    bench = editor.bench;
    page = bench.page;
    frame = webviewFrame(page);
    await bench.waitForTreeText(/lease free/);
  });

  afterAll(async () => {
    await editor?.close();
    await lake?.stop();
  });

  const cell = (row: number, col: number) => frame.locator(`.grow[data-row="${row}"] .gcell[data-col="${col}"]`);
  const status = () => frame.locator('#status');

  async function runFile(name: string, rows?: RegExp): Promise<void> {
    await openFile(page, name);
    await page.keyboard.press('Control+Enter');
    if (rows) await expect.poll(() => status().innerText(), { timeout: 60_000 }).toMatch(rows);
  }

  it('runs the editor SQL with Ctrl+Enter and shows exact cells, then sorts by a column', async () => {
    await runFile('energy.sql', /^365 rows/);
    await expect.poll(() => cell(0, 0).textContent()).toBe('2026-01-01');
    expect(await cell(0, 1).textContent()).toBe('100');
    expect(await cell(0, 2).textContent()).toBe('150.0');
    const headers = await frame.locator('[role="columnheader"]').allInnerTexts();
    expect(headers.map((h) => h.replace(/\s+/g, ' ').trim())).toEqual([
      'day DATE Σ',
      'kwh BIGINT Σ',
      'cost DECIMAL(21,1) Σ',
    ]);
    expect(await frame.locator('#target-badge').textContent()).toBe('local');
    // The workspace's history (shared with the CLI) has the query, and the view lists it.
    const history = join(lake.workspace, '.lakehouse', 'query-history.json');
    await expect
      .poll(() => readFileSync(history, 'utf8'), { timeout: 10_000 })
      .toContain('main.daily_energy ORDER BY day');
    // Query History starts collapsed (a secondary view): open it to see the entry.
    await expandView(bench, 'Query History');
    await page.locator('.part.sidebar [role="treeitem"]', { hasText: 'SELECT day, kwh' }).first().waitFor();
    // Keyboard: the grid takes focus, arrows move the active cell.
    await frame.locator('.grid-scroller').focus();
    await frame.locator('.grid-scroller').press('ArrowDown');
    await frame.locator('.grid-scroller').press('ArrowRight');
    await expect.poll(() => frame.locator('.gcell.active').textContent()).toBe('101');
    expect(await frame.locator('.gcell.active').getAttribute('aria-selected')).toBe('true');
    // Room for the panel in the doc images: its editor group maximized (restored after the chart).
    await page.locator('.part.editor .editor-group-container').last().locator('.tabs-container .tab.active').click();
    await bench.runCommand('View: Toggle Maximize Editor Group');
    updateDocImage(await bench.screenshot('query-grid'), 'query-grid.png');

    // Sort: descending on the second click, re-queried in DuckDB (the first row changes).
    const kwhSort = frame.locator('[role="columnheader"][aria-colindex="2"] .col-sort');
    await kwhSort.click();
    await expect
      .poll(() => frame.locator('[aria-colindex="2"][role="columnheader"]').getAttribute('aria-sort'))
      .toBe('ascending');
    await kwhSort.click();
    await expect.poll(() => cell(0, 1).textContent()).toBe('116');
    expect(await frame.locator('[role="columnheader"][aria-colindex="2"]').getAttribute('aria-sort')).toBe(
      'descending',
    );

    // Filter by a column: =100 keeps the 22 days with 100 kWh.
    await frame.locator('.grid-filters [aria-colindex="2"] input').fill('=100');
    await frame.locator('.grid-filters [aria-colindex="2"] input').press('Enter');
    await expect.poll(() => frame.locator('.grid-scroller').getAttribute('aria-rowcount')).toBe(String(22 + 2));
    // The row count comes with the filtered result; its first page of rows is fetched after it.
    await expect.poll(() => cell(0, 1).textContent()).toBe('100');
    await frame.locator('.grid-filters [aria-colindex="2"] input').press('Escape');
    await expect.poll(() => frame.locator('.grid-scroller').getAttribute('aria-rowcount')).toBe(String(365 + 2));
  });

  it('summarizes a column in DuckDB and charts the result', async () => {
    await frame.locator('[role="columnheader"][aria-colindex="2"] .col-summary').click();
    const summary = frame.locator('.summary');
    await expect.poll(() => summary.locator('.stats').innerText()).toMatch(/Distinct\s+17/);
    const stats = await summary.locator('.stats').innerText();
    expect(stats).toMatch(/Nulls\s+0/);
    expect(stats).toMatch(/Min\s+100/);
    expect(stats).toMatch(/Max\s+116/);
    expect(await summary.locator('.histogram li').count()).toBeGreaterThan(1);
    updateDocImage(await bench.screenshot('query-summary'), 'query-summary.png');

    await frame.locator('#tab-chart').click();
    await expect.poll(() => frame.locator('.chart-note').innerText(), { timeout: 30_000 }).toMatch(/365 points/);
    // Defaults: the date on x, a number on y.
    expect(await frame.locator('select[aria-label="X axis"] option:checked').textContent()).toBe('day');
    expect(await frame.locator('select[aria-label="Y axis"] option:checked').textContent()).toBe('kwh');
    const drawn = await frame.locator('.chart-box canvas').evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) painted++;
      return painted;
    });
    expect(drawn).toBeGreaterThan(1000);
    updateDocImage(await bench.screenshot('query-chart'), 'query-chart.png');
    await frame.locator('#tab-grid').click();
    await page.locator('.part.editor .editor-group-container').last().locator('.tabs-container .tab.active').click();
    await bench.runCommand('View: Toggle Maximize Editor Group');
  });

  it('scrolls to the last row of a 1,000,000-row result and exports all of it to CSV', async () => {
    await runFile('million.sql', /^1,000,000 rows/);
    await expect.poll(() => cell(0, 0).textContent()).toBe('0');
    await frame.locator('.grid-scroller').focus();
    await frame.locator('.grid-scroller').press('Control+End');
    await expect.poll(() => frame.locator('.gcell.active').textContent()).toBe('999999');
    expect(await frame.locator('.gcell.active').getAttribute('aria-colindex')).toBe('1');
    // Only the pages near the viewport are in the DOM.
    expect(await frame.locator('.grow').count()).toBeLessThan(100);

    const target = join(lake.workspace, 'million.csv');
    await frame.locator('select[aria-label="Export format"]').selectOption('csv');
    await frame.locator('button', { hasText: 'Export…' }).click();
    // The simple save dialog (a quick input holding the path).
    const widget = page.locator('.quick-input-widget');
    const input = widget.locator('.quick-input-box input');
    await input.waitFor({ state: 'visible' });
    // The dialog offers <query title>.csv in the workspace folder; typing into it races its own
    // completion, so accept the offered path (which is the one this test expects).
    await expect.poll(() => input.inputValue(), { timeout: 10_000 }).toBe(target);
    await input.press('Enter');
    const done = await bench.waitForNotification(/Exported 1000000 rows/, 120_000);
    expect(done).toBe(`Exported 1000000 rows to ${target}.`);
    expect(await frame.locator('#export-status').innerText()).toMatch(/Exported 1,000,000 rows/);
    const lines = readFileSync(target, 'utf8').trimEnd().split('\n');
    expect(lines[0]).toBe('i');
    expect(lines.length - 1).toBe(1_000_000);
    expect(lines.at(-1)).toBe('999999');
  });

  it('renders hostile values as inert literal text, NULL distinct from "NULL" and ""', async () => {
    await runFile('hostile.sql', /^1 rows/);
    const names = await frame.locator('[role="columnheader"] .col-name').allTextContents();
    await expect.poll(() => cell(0, 0).textContent()).toBe(HOSTILE.img);
    for (const [key, value] of Object.entries(HOSTILE)) {
      const c = cell(0, names.indexOf(key));
      expect(await c.textContent(), key).toBe(value);
      expect(await c.getAttribute('data-null'), key).toBeNull();
      // Text only: no element was created from the value.
      expect(await c.evaluate((e) => e.childElementCount), key).toBe(0);
    }
    const empty = cell(0, names.indexOf('empty'));
    expect(await empty.textContent()).toBe('');
    const nul = cell(0, names.indexOf('nul'));
    expect(await nul.getAttribute('data-null')).toBe('true');
    expect(await cell(0, names.indexOf('word')).getAttribute('data-null')).toBeNull();
    const big = await cell(0, names.indexOf('big')).evaluate((e) => e.textContent);
    expect(big).toBe('x'.repeat(1 << 20));
    const pwned = await frame.locator('body').evaluate(() => (window as unknown as { __pwned?: number }).__pwned);
    expect(pwned).toBeUndefined();
    expect(await frame.locator('img').count()).toBe(0);
  });

  it('shows HUGEINT, UBIGINT and DECIMAL(38,10) extremes and zoned timestamps to the last digit', async () => {
    await runFile('exact.sql', /^1 rows/);
    const expected = [
      '170141183460469231731687303715884105727',
      '-170141183460469231731687303715884105728',
      '18446744073709551615',
      '9999999999999999999999999999.9999999999',
      '-9999999999999999999999999999.9999999999',
      '2024-03-09T20:29:59.123456+00',
      '1999-12-31T23:59:59.999999',
    ];
    await expect.poll(() => cell(0, 0).textContent()).toBe(expected[0]);
    const texts = await frame.locator('.grow[data-row="0"] .gcell').allTextContents();
    expect(texts).toEqual(expected);
  });

  it('marks the error position in the SQL and jumps there in the editor', async () => {
    await runFile('broken.sql');
    const error = frame.locator('.error');
    await expect.poll(() => error.innerText(), { timeout: 30_000 }).toMatch(/no_such_table/i);
    expect(await error.locator('mark').textContent()).toBe('main.no_such_table');
    await error.locator('button', { hasText: /Go to line 3/ }).click();
    await expect
      .poll(() => page.locator('.editor-instance .monaco-editor .selected-text').count(), { timeout: 10_000 })
      .toBeGreaterThan(0);
  });

  it('previews a published table, and within the staleness budget reads no log or listing again', async () => {
    await bench.openViewContainer('Lakehouse');
    for (const label of ['sales', 'Tables', 'main']) {
      const row = bench.treeItem(label);
      if ((await row.getAttribute('aria-expanded')) === 'false') await row.click();
    }
    await bench.treeItem('daily_energy').waitFor({ state: 'visible' });
    await bench.contextMenu('daily_energy', 'Preview');
    await expect.poll(() => frame.locator('#target-badge').textContent(), { timeout: 60_000 }).toBe('published');
    await expect.poll(() => status().innerText(), { timeout: 60_000 }).toMatch(/^365 rows/);
    const requests = frame.locator('#requests');
    const first = Number(await requests.getAttribute('data-log'));
    expect(first).toBeGreaterThan(0);
    await frame.locator('button[data-action="rerun"]').click();
    await expect.poll(() => requests.innerText(), { timeout: 60_000 }).toMatch(/0 log · 0 list .*cached/);
    expect(await requests.getAttribute('data-list')).toBe('0');
    await expect.poll(() => cell(0, 0).textContent()).not.toBe('');
  });

  it('restores the panel after a window reload and runs its query again', async () => {
    // The workbench's own reload saves editor state first (a bare page reload may not flush it).
    await bench.runCommand('Developer: Reload Window');
    await page.waitForEvent('load', { timeout: 60_000 });
    await page.locator('.monaco-workbench .part.activitybar').waitFor({ timeout: 60_000 });
    await expect.poll(() => frame.locator('#target-badge').textContent(), { timeout: 60_000 }).toBe('published');
    await expect.poll(() => status().innerText(), { timeout: 60_000 }).toMatch(/^365 rows/);
    expect(await frame.locator('.title').textContent()).toBe('main.daily_energy');
    await expect.poll(() => cell(0, 0).textContent()).not.toBe('');
  });

  it('cancels a running query, reports a killed engine clearly, and the next query works', async () => {
    await runFile('slow.sql');
    await expect.poll(() => status().innerText(), { timeout: 30_000 }).toBe('Running…');
    // Cancel interrupts DuckDB: the panel says so and shows no error.
    await frame.locator('button', { hasText: 'Cancel' }).click();
    await expect.poll(() => status().innerText(), { timeout: 30_000 }).toBe('Cancelled.');
    expect(await frame.locator('.error').isHidden()).toBe(true);
    await frame.locator('button[data-action="rerun"]').click();
    await expect.poll(() => status().innerText(), { timeout: 30_000 }).toBe('Running…');
    let pids: number[] = [];
    await expect
      .poll(() => (pids = processesMatching(editor.server.extensionsDir, 'queryEngine.js')).length, { timeout: 30_000 })
      .toBe(1);
    process.kill(pids[0]!, 'SIGKILL');
    await expect.poll(() => frame.locator('.error').innerText(), { timeout: 30_000 }).toMatch(/query engine stopped/i);
    await runFile('energy.sql', /^365 rows/);
    await expect.poll(() => cell(0, 0).textContent()).toBe('2026-01-01');
  });
});
