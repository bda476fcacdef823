/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseLakehouseFile } from '../../src/core/config/lakehouseConfig';
import { fabricFixture, GUEST_TENANT, SALES_LH, SALES_WS, USER, type FabricFixture } from './support/fabricFixture';
import { openLakehouseEditor, updateDocImage, type EditorSession } from './support/fixture';
import { collapseView, expandView, widenSideBar } from './support/sideBar';
import type { Workbench } from './support/workbench';

const DIALOG = '.monaco-dialog-box';
const QUICK_INPUT = '.quick-input-widget';

async function expectNoPrompt(bench: Workbench): Promise<void> {
  expect(await bench.page.locator(DIALOG).count()).toBe(0);
  expect(await bench.page.locator(QUICK_INPUT).isVisible()).toBe(false);
}

/** Collapses and then expands a tree row (a click toggles it), checking each state. */
async function collapseAndExpand(bench: Workbench, label: string): Promise<void> {
  const row = bench.treeItem(label);
  await expect.poll(() => row.getAttribute('aria-expanded')).toBe('true');
  await row.click();
  await expect.poll(() => row.getAttribute('aria-expanded')).toBe('false');
  await row.click();
  await expect.poll(() => row.getAttribute('aria-expanded')).toBe('true');
}

describe('Microsoft Fabric view, signed out', () => {
  let world: FabricFixture;
  let editor: EditorSession;

  beforeAll(async () => {
    world = await fabricFixture();
    // The fake Fabric server is there, but no token: nothing may be asked and no dialog may open.
    editor = await openLakehouseEditor(world, {
      env: { LAKEHOUSE_FABRIC_API_URL: world.fabric.url, LAKEHOUSE_ONELAKE_ENDPOINT: world.proxy.blobEndpoint },
    });
  });
  afterAll(async () => {
    await editor?.close();
    await world?.stop();
  });

  it('shows a Sign-in item, opens no dialog and calls no Fabric API', async () => {
    const bench = editor.bench;
    const row = await bench.waitForTreeText(/^Sign in to Microsoft Fabric/);
    await expectNoPrompt(bench);
    // A background re-read (the Refresh button's command) still prompts nothing.
    await bench.runCommand('Lakehouse: Refresh Fabric');
    await bench.waitForTreeText(/^Sign in to Microsoft Fabric/);
    await expectNoPrompt(bench);
    expect(world.fabric.requests).toEqual([]);
    expect(world.proxy.requests.total).toBe(0);
    expect(await row.isVisible()).toBe(true);
    await bench.screenshot('fabric-signed-out');
  });
});

describe('Microsoft Fabric view, signed in (test token)', () => {
  let world: FabricFixture;
  let editor: EditorSession;
  let bench: Workbench;

  beforeAll(async () => {
    world = await fabricFixture();
    editor = await openLakehouseEditor(world, {
      env: {
        LAKEHOUSE_FABRIC_API_URL: world.fabric.url,
        LAKEHOUSE_TEST_FABRIC_TOKEN: world.token,
        LAKEHOUSE_ONELAKE_ENDPOINT: world.proxy.blobEndpoint,
      },
      // A long budget, so no poll lands between the two expands.
      userSettings: { 'lakehouse.fabric.cacheSeconds': 600 },
    });
    bench = editor.bench;
  });
  afterAll(async () => {
    await editor?.close();
    await world?.stop();
  });

  it('shows account → workspaces → lakehouses → catalog with its lease → tables', async () => {
    await bench.waitForTreeText(new RegExp(`^${USER}`));
    // Three workspaces over two pages of List Workspaces.
    await bench.waitForTreeText(/^My workspace/);
    await bench.waitForTreeText(/^Marketing/);
    await bench.treeItem(SALES_WS.displayName).click();
    await bench.waitForTreeText(/^staging/);
    await bench.treeItem(SALES_LH.displayName).click();
    await bench.waitForTreeText(/Files\/metadata\.db.*held by ana@laptop/);
    await bench.treeItem('Tables').click();
    await bench.treeItem('main').click();
    await bench.waitForTreeText(/^meter_readings DuckLake · no Delta log/);
    await bench.waitForTreeText(/^sites DuckLake \+ Delta v1/);
    await bench.treeItem('staging').click();
    await bench.waitForTreeText(/^No catalog, Create Files\/metadata\.db/);
    // Files: one folder level per expand.
    await bench.treeItem('Files').click();
    await bench.waitForTreeText(/^raw$/);
    expect(await bench.treeItem('readings-2026-11.csv').count()).toBe(0);
    await expectNoPrompt(bench);

    const listed = world.fabric.requests.map((r) => r.path.replace(/\?.*/, ''));
    expect(listed.filter((p) => p === '/v1/workspaces')).toHaveLength(2);
    expect(world.fabric.requests.every((r) => r.status === 200)).toBe(true);
    // Storage went through OneLake's rules: listings and the catalog's properties, and nothing refused.
    expect(world.proxy.requests.byOperation.ListBlobs ?? 0).toBeGreaterThan(0);
    expect(world.proxy.requests.byOperation.GetBlobProperties ?? 0).toBeGreaterThan(0);
    expect(world.proxy.requests.refused).toEqual({});
    // The documentation shot: the Fabric view alone, wide enough for the descriptions.
    await collapseView(bench, 'Lakehouses');
    await widenSideBar(bench, 560);
    await bench.page.mouse.move(1000, 600);
    const shot = await bench.screenshot('fabric-tree');
    updateDocImage(shot, 'fabric-tree.png');
    await expandView(bench, 'Lakehouses');
  });

  it('a second expand and a re-render within the budget make no request; Refresh makes them', async () => {
    const fabricBefore = world.fabric.requests.length;
    const storageBefore = world.proxy.requests.total;
    await collapseAndExpand(bench, SALES_WS.displayName);
    await bench.waitForTreeText(/Files\/metadata\.db.*held by ana@laptop/);
    // Hiding and showing the view re-renders it from the store.
    await bench.openViewContainer('Explorer');
    await bench.openViewContainer('Lakehouse');
    await bench.waitForTreeText(/^sites DuckLake \+ Delta v1/);
    expect(world.fabric.requests.length).toBe(fabricBefore);
    expect(world.proxy.requests.total).toBe(storageBefore);

    await bench.runCommand('Lakehouse: Refresh Fabric');
    await expect.poll(() => world.fabric.requests.length).toBeGreaterThan(fabricBefore);
    await expect.poll(() => world.proxy.requests.total).toBeGreaterThan(storageBefore);
  });

  it('Add Lakehouse writes the lakehouse.yml entry and keeps the comment', async () => {
    await bench.contextMenu(SALES_LH.displayName, 'Add Lakehouse…');
    const input = bench.page.locator(`${QUICK_INPUT} .quick-input-box input`);
    await input.waitFor({ state: 'visible' });
    expect(await input.inputValue()).toBe('sales');
    await bench.page.keyboard.press('Enter');
    await bench.waitForNotification(/Added sales to lakehouse\.yml/);
    const text = readFileSync(join(world.workspace, 'lakehouse.yml'), 'utf8');
    expect(text).toContain('# Lakehouses this project works with (keep this comment)');
    expect(text).toContain(`# ${SALES_WS.displayName} / ${SALES_LH.displayName}`);
    const [entry, ...rest] = parseLakehouseFile(text, 'lakehouse.yml');
    expect(rest).toEqual([]);
    expect(entry).toMatchObject({ name: 'sales', catalogPath: 'Files/metadata.db' });
    expect(entry!.location).toMatchObject({ container: SALES_WS.id, item: SALES_LH.id });
    // The real OneLake location (by GUID), not the test rig's address.
    expect(entry!.location.accountUrl).toBe('https://onelake.blob.fabric.microsoft.com');
    expect(text).toContain(`location: onelake://${SALES_WS.id}/${SALES_LH.id}`);
    // The project's view now shows it, with its catalog's lease read through the proxy.
    await collapseView(bench, 'Microsoft Fabric');
    await bench.screenshot('fabric-added');
    await bench.waitForTreeText(/Files\/metadata\.db, lease held by ana@laptop/);
    // The Fabric view says it is in the project now, and no longer offers to add it.
    await expandView(bench, 'Microsoft Fabric');
    // Re-expanding the pane does not always restore the workspace's expansion; open it if needed.
    const workspaceRow = await bench.waitForTreeText(/^Sales Analytics/);
    if ((await workspaceRow.getAttribute('aria-expanded')) === 'false') await workspaceRow.click();
    await bench.waitForTreeText(/^sales in lakehouse\.yml as sales$/);
    const menu = (await bench.contextMenuEntries(/^sales in lakehouse\.yml/)).map((e) => e.label);
    expect(menu).toContain('Open in Fabric');
    expect(menu).not.toContain('Add Lakehouse…');
  });

  it('Sign Out stops using the session without a dialog; Sign In brings the account back', async () => {
    await expandView(bench, 'Microsoft Fabric');
    await bench.dismissNotifications();
    await bench.runCommand('Lakehouse: Sign Out of Microsoft Fabric');
    await bench.waitForTreeText(/^Sign in to Microsoft Fabric/);
    const before = world.fabric.requests.length;
    await expectNoPrompt(bench);
    await bench.runCommand('Lakehouse: Refresh Fabric');
    await bench.waitForTreeText(/^Sign in to Microsoft Fabric/);
    // Signed out, a refresh asks Fabric nothing.
    expect(world.fabric.requests.length).toBe(before);

    await bench.runCommand('Lakehouse: Sign In to Microsoft Fabric');
    await bench.waitForNotification(new RegExp(`Signed in to Microsoft Fabric as ${USER}`));
    await bench.waitForTreeText(/^Sales Analytics/);
    expect(world.fabric.requests.length).toBeGreaterThan(before);
  });

  it("Choose Tenant shows a guest tenant's workspaces, and back", async () => {
    const input = bench.page.locator(`${QUICK_INPUT} .quick-input-box input`);
    await bench.runCommand('Lakehouse: Choose Fabric Tenant…');
    await input.fill('Enter a tenant');
    await bench.page.keyboard.press('Enter');
    // The second step: an input box asking for the tenant.
    await bench.page
      .locator(QUICK_INPUT)
      .getByText(/tenant ID \(a GUID\) or a verified domain/)
      .waitFor();
    await input.fill(GUEST_TENANT);
    await bench.page.keyboard.press('Enter');
    await bench.waitForTreeText(new RegExp(`^${USER} tenant ${GUEST_TENANT}`));
    await bench.waitForTreeText(/^Fabrikam Shared/);
    expect(await bench.treeItem(SALES_WS.displayName).count()).toBe(0);
    expect(world.fabric.requests.at(-1)?.tenant).toBe(GUEST_TENANT);

    await bench.runCommand('Lakehouse: Choose Fabric Tenant…');
    await input.fill('Home tenant');
    await bench.page.keyboard.press('Enter');
    await bench.waitForTreeText(/^Sales Analytics/);
    expect(await bench.treeItem('Fabrikam Shared').count()).toBe(0);
  });
});
