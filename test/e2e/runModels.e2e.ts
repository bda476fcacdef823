import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEnergyFiles } from '../../examples/energy/generate';
import { LocalMirror } from '../../src/core/lake/localMirror';
import { runOnLakehouse } from '../../src/core/run/runOnLakehouse';
import type { CodeServer } from './support/codeServer';
import {
  lakehouseFixture,
  REPO,
  type LakehouseFixture,
  openLakehouseEditor,
  type EditorSession,
  updateDocImage,
} from './support/fixture';
import type { Workbench } from './support/workbench';
import { collapseView } from './support/sideBar';

const duckdb = { extensionDirectory: process.env.LAKEHOUSE_DUCKDB_EXTENSIONS };
const SKIP = new Set(['target', 'landing', 'lake', 'logs', 'dbt_packages', '.lakehouse']);

/** Waits for the model picker (not the closing command palette) and chooses an entry by typing it. */
async function pickModel(bench: Workbench, text: string): Promise<void> {
  const input = bench.page.locator('.quick-input-widget input[placeholder="Run all models, or pick some"]');
  await input.waitFor({ timeout: 20_000 });
  await input.fill(text);
  await bench.page.locator('.quick-input-widget .monaco-list-row[role="option"]').first().waitFor();
  await bench.page.keyboard.press('Enter');
}

describe('Run Models in code-server on examples/energy', () => {
  let lake: LakehouseFixture;
  let server: CodeServer;
  let editor: EditorSession;
  let bench: Workbench;

  beforeAll(async () => {
    lake = await lakehouseFixture({ staleAfter: '12h', extraYaml: '    project: .\n' });
    cpSync(join(REPO, 'examples/energy'), lake.workspace, {
      recursive: true,
      filter: (src) => !SKIP.has(src.split('/').pop()!),
    });
    generateEnergyFiles(join(lake.workspace, 'landing'), { scale: 4, days: 3, startDate: '2024-03-01', batch: 1 });
    // The team's lakehouse already has its reference data: the seeds were published before.
    const seeded = await runOnLakehouse({
      entry: lake.entry,
      store: lake.store,
      guard: lake.guard,
      mirror: new LocalMirror(join(lake.workspace, '..', `seed-${Date.now()}`)),
      duckdb,
      projectDir: lake.workspace,
      command: 'seed',
      publish: true,
    });
    expect(seeded.publish?.status).toBe('published');

    editor = await openLakehouseEditor(lake);
    bench = editor.bench;
    server = editor.server;
    await bench.waitForTreeText(/lease free/);
  });

  afterAll(async () => {
    await editor?.close();
    await lake?.stop();
  });

  it('runs every model from the palette and summarizes them all as succeeded', async () => {
    await bench.runCommand('Lakehouse: Run Models');
    await pickModel(bench, 'All models');
    const summary = await bench.waitForNotification(/Run Models: \d+ success in/, 180_000);
    expect(summary).not.toMatch(/error|skipped/);
    await bench.waitForTreeText(/^Last run/).catch((error: unknown) => {
      throw new Error(`${String(error)}\n--- extension host log ---\n${server.extensionHostLog().slice(-4000)}`);
    });
    // Every Last run row must fit on screen (rows outside the viewport are not in the DOM).
    await collapseView(bench, 'Microsoft Fabric');
    await bench.waitForTreeText(/^fct_site_daily, success/);
    await bench.waitForTreeText(/^dim_site, success/);
    updateDocImage(await bench.screenshot('run-models'), 'run-models.png');
  });

  it('shows a broken model as a diagnostic at its line', async () => {
    await bench.dismissNotifications();
    writeFileSync(
      join(lake.workspace, 'models/marts/broken_report.sql'),
      "-- a report with a typo in its SQL\nselect *\nfrom {{ ref('fct_site_daily') }}\nwhere nonexistent_column > 0\n",
    );
    await bench.runCommand('Lakehouse: Run Models');
    await pickModel(bench, 'broken_report');
    await bench.waitForNotification(/Run Models: .*1 error/, 120_000);
    await bench.page.keyboard.press('Control+Shift+M');
    const problems = bench.page.locator('.markers-panel');
    await problems
      .getByText(/broken_report\.sql/)
      .first()
      .waitFor({ timeout: 20_000 });
    const row = problems
      .locator('.monaco-list-row')
      .filter({ hasText: /nonexistent_column|not found|Binder/i })
      .first();
    await row.waitFor({ timeout: 20_000 });
    expect(await row.innerText()).toMatch(/\[Ln 4, Col \d+\]/);
    updateDocImage(await bench.screenshot('run-models-diagnostic'), 'run-models-diagnostic.png');
  });
});
