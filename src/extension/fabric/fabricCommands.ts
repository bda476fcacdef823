import * as vscode from 'vscode';
import { CONFIG_FILE, parseLakehouseFile, type LakehouseEntry } from '../../core/config/lakehouseConfig';
import { addLakehouseEntry, entryNameFrom, removeLakehouseEntry } from '../../core/config/lakehouseFileEdit';
import { CancelledError, ConfigError, LakehouseError } from '../../core/errors';
import { fabricPortalUrl, pastedLakehouseUrl } from '../../core/fabric';
import { copyPaths } from '../../core/storage/locationFormat';
import type { FabricSignIn } from '../fabricSignIn';
import type { LakehouseConfigService } from '../lakehouseConfig';
import type { LakehouseService } from '../lakehouseService';
import type { Logger } from '../log';
import { pickLakehouse } from '../pickLakehouse';
import type { TreeNode } from '../tree/treeNodes';
import { itemPathOf, type FabricNode } from './fabricNodes';
import type { DiscoveredLakehouse, FabricStore } from './fabricStore';
import type { WorkspacePreferences } from './workspacePreferences';

export interface FabricCommandDeps {
  log: Logger;
  signIn: FabricSignIn;
  store: FabricStore;
  prefs: WorkspacePreferences;
  config: LakehouseConfigService;
  lakehouses: LakehouseService;
  refresh: () => void;
  rerender: () => void;
}

function fabricNode(node: unknown, kind: FabricNode['kind']): FabricNode | undefined {
  return typeof node === 'object' && node !== null && (node as FabricNode).kind === kind
    ? (node as FabricNode)
    : undefined;
}

export async function signInCommand(deps: FabricCommandDeps): Promise<void> {
  const state = await deps.signIn.signIn();
  if (state.kind === 'signedIn')
    void vscode.window.showInformationMessage(`Signed in to Microsoft Fabric as ${state.account.label}.`);
}

export async function signOutCommand(deps: FabricCommandDeps): Promise<void> {
  await deps.signIn.signOut();
  void vscode.window.showInformationMessage(
    'Lakehouse Dev no longer uses your Microsoft session. To remove the account from VS Code, use the Accounts menu.',
  );
}

export async function switchAccountCommand(deps: FabricCommandDeps): Promise<void> {
  const accounts = await deps.signIn.accounts();
  const other = { label: '$(add) Use another account…', id: undefined as string | undefined };
  const pick = await vscode.window.showQuickPick(
    [...accounts.map((a) => ({ label: a.label, id: a.id as string | undefined })), other],
    {
      title: 'Switch Microsoft account for Fabric',
      placeHolder: 'Which account?',
    },
  );
  if (!pick) throw new CancelledError('Switch Account');
  const state = await deps.signIn.switchAccount(pick.id);
  if (state.kind === 'signedIn')
    void vscode.window.showInformationMessage(`Using ${state.account.label} for Microsoft Fabric.`);
}

const TENANT = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9-]+(\.[a-z0-9-]+)+)$/i;

/** Guest (B2B) and multi-tenant accounts: the tenant whose workspaces to show. */
export async function chooseTenantCommand(deps: FabricCommandDeps, tenantArg?: unknown): Promise<void> {
  let tenant: string | undefined;
  if (typeof tenantArg === 'string') tenant = tenantArg;
  else {
    const current = deps.signIn.tenantId;
    type Item = vscode.QuickPickItem & { tenant?: string; enter?: boolean };
    const items: Item[] = [
      { label: 'Home tenant of the account', description: current ? undefined : 'current', tenant: '' },
      ...deps.signIn
        .recentTenants()
        .map((t) => ({ label: t, description: t === current ? 'current' : undefined, tenant: t })),
      { label: '$(edit) Enter a tenant ID or domain…', enter: true },
    ];
    const pick = await vscode.window.showQuickPick(items, {
      title: 'Choose the Fabric tenant',
      placeHolder: 'Guest accounts see a tenant’s workspaces only when signed in to that tenant',
    });
    if (!pick) throw new CancelledError('Choose Tenant');
    if (pick.enter) {
      const typed = await vscode.window.showInputBox({
        title: 'Fabric tenant',
        prompt: 'The tenant ID (a GUID) or a verified domain, e.g. contoso.onmicrosoft.com',
        validateInput: (v) =>
          TENANT.test(v.trim()) ? undefined : 'Enter a GUID or a domain such as contoso.onmicrosoft.com',
        ignoreFocusOut: true,
      });
      if (!typed) throw new CancelledError('Choose Tenant');
      tenant = typed.trim();
    } else tenant = pick.tenant;
  }
  if (tenant && !TENANT.test(tenant)) throw new ConfigError(`'${tenant}' is not a tenant ID or domain.`);
  await deps.signIn.chooseTenant(tenant || undefined);
}

export async function filterWorkspacesCommand(deps: FabricCommandDeps): Promise<void> {
  const text = await vscode.window.showInputBox({
    title: 'Filter Fabric workspaces',
    prompt: 'Show workspaces whose name contains this text (empty shows all)',
    value: deps.prefs.filter(),
  });
  if (text === undefined) throw new CancelledError('Filter Workspaces');
  await deps.prefs.setFilter(text);
  deps.rerender();
}

export async function pinWorkspaceCommand(deps: FabricCommandDeps, node: unknown, pinned: boolean): Promise<void> {
  const ws = fabricNode(node, 'fabricWorkspace');
  if (!ws || ws.kind !== 'fabricWorkspace')
    throw new ConfigError('Pin and Unpin work on a workspace in the Microsoft Fabric view.');
  await deps.prefs.pin(ws.workspace.id, pinned);
  deps.rerender();
}

export async function openInFabricCommand(node: unknown): Promise<void> {
  const lh = fabricNode(node, 'fabricLakehouse');
  if (!lh || lh.kind !== 'fabricLakehouse')
    throw new ConfigError('Open in Fabric works on a lakehouse in the Microsoft Fabric view.');
  await vscode.env.openExternal(vscode.Uri.parse(fabricPortalUrl(lh.workspace.id, lh.lakehouse.id)));
}

export async function copyPathCommand(deps: FabricCommandDeps, node: unknown): Promise<void> {
  const { entry, path } = await pathTarget(deps, node);
  const paths = copyPaths(entry.location, path);
  const pick = await vscode.window.showQuickPick(
    [
      ...(paths.abfss ? [{ label: 'ABFS path', detail: paths.abfss, value: paths.abfss }] : []),
      { label: 'URL', detail: paths.https, value: paths.https },
      { label: 'Relative path', detail: paths.relative || '(the lakehouse root)', value: paths.relative },
    ],
    { title: 'Copy Path', placeHolder: 'Which form?' },
  );
  if (!pick) throw new CancelledError('Copy Path');
  await vscode.env.clipboard.writeText(pick.value);
  vscode.window.setStatusBarMessage(`Copied ${pick.value}`, 4_000);
}

async function pathTarget(deps: FabricCommandDeps, node: unknown): Promise<{ entry: LakehouseEntry; path: string }> {
  const asFabric = node as FabricNode | undefined;
  if (asFabric && 'entry' in asFabric && itemPathOf(asFabric) !== undefined) {
    return { entry: asFabric.entry, path: itemPathOf(asFabric)! };
  }
  const tree = node as TreeNode | undefined;
  const entry = await pickLakehouse(node, deps.config, 'Copy Path');
  const path =
    tree?.kind === 'catalog'
      ? entry.catalogPath
      : tree?.kind === 'tables'
        ? 'Tables'
        : tree?.kind === 'schema'
          ? `Tables/${tree.schema}`
          : tree?.kind === 'table'
            ? `Tables/${tree.schema}/${tree.table}`
            : '';
  return { entry, path };
}

/** Create: an empty DuckLake catalog where there is none (taking and releasing the lease creates it). */
export async function createCatalogCommand(deps: FabricCommandDeps, node: unknown): Promise<void> {
  const catalog = fabricNode(node, 'catalog');
  if (!catalog || catalog.kind !== 'catalog') throw new ConfigError('Create works on a "No catalog" item.');
  const answer = await vscode.window.showInformationMessage(
    `Create an empty DuckLake catalog at ${catalog.entry.catalogPath} in ${catalog.entry.name}?`,
    { modal: true },
    'Create',
  );
  if (answer !== 'Create') throw new CancelledError('Create Catalog');
  await deps.lakehouses.acquire(catalog.entry, 'create-catalog');
  await deps.lakehouses.release(catalog.entry);
  deps.store.refreshLeases();
}

/** Add Lakehouse: the node it runs on, a pick from discovery, or a pasted abfss:// / https://onelake… URL. */
export async function addLakehouseCommand(deps: FabricCommandDeps, node: unknown): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new ConfigError('Open a folder first: lakehouse.yml lives at the root of a workspace folder.');
  const chosen = fabricNode(node, 'fabricLakehouse');
  let location: string;
  let display: string;
  let comment: string | undefined;
  if (chosen && chosen.kind === 'fabricLakehouse') {
    ({ location, display, comment } = fromDiscovered(chosen));
  } else {
    const picked = await pickDiscoveredOrUrl(deps);
    ({ location, display, comment } = picked);
  }
  const uri = vscode.Uri.joinPath(folder.uri, CONFIG_FILE);
  let text = '';
  try {
    text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    text = '# Lakehouses this project works with. See the Lakehouse Dev README.\n';
  }
  const taken = new Set(parseLakehouseFile(text, CONFIG_FILE).map((e) => e.name));
  const suggested = entryNameFrom(display, taken);
  const name = await vscode.window.showInputBox({
    title: 'Add Lakehouse to lakehouse.yml',
    prompt: `The short name for ${display} in this project (the CLI and the tree use it)`,
    value: suggested,
    validateInput: (v) =>
      !/^[\w.-]{1,64}$/.test(v)
        ? "1–64 letters, digits, '.', '_' or '-'"
        : taken.has(v)
          ? 'That name is taken'
          : undefined,
  });
  if (!name) throw new CancelledError('Add Lakehouse');
  const updated = addLakehouseEntry(text, { name, location, comment });
  await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(updated));
  deps.log.info(`Added ${name} (${location}) to ${vscode.workspace.asRelativePath(uri)}`);
  deps.refresh();
  void vscode.window.showInformationMessage(`Added ${name} to lakehouse.yml.`);
}

function fromDiscovered(d: Pick<DiscoveredLakehouse, 'workspace' | 'lakehouse' | 'entry'>) {
  return {
    location: d.entry.location.uri,
    display: d.lakehouse.displayName,
    comment: `${d.workspace.displayName} / ${d.lakehouse.displayName}`,
  };
}

async function pickDiscoveredOrUrl(
  deps: FabricCommandDeps,
): Promise<{ location: string; display: string; comment?: string }> {
  type Item = vscode.QuickPickItem & { d?: DiscoveredLakehouse; paste?: boolean };
  const quickPick = vscode.window.createQuickPick<Item>();
  quickPick.title = 'Add Lakehouse';
  quickPick.placeholder = 'Pick a lakehouse, or paste an abfss:// or https://onelake… URL';
  quickPick.busy = true;
  const paste: Item = { label: '$(link) Paste a OneLake URL…', paste: true, alwaysShow: true };
  quickPick.items = [paste];
  quickPick.show();
  const signedIn = (await deps.store.signInState()).kind === 'signedIn';
  const load = async () => {
    if (!signedIn) return;
    const items: Item[] = [];
    for (const ws of await deps.store.workspaces()) {
      try {
        for (const d of await deps.store.lakehouses(ws.id))
          items.push({ label: d.lakehouse.displayName, description: ws.displayName, d });
      } catch (error) {
        deps.log.warn(
          `Add Lakehouse: skipped workspace ${ws.displayName}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    }
    quickPick.items = [...items, paste];
  };
  void load()
    .catch((error: unknown) =>
      deps.log.warn(`Add Lakehouse: discovery failed: ${error instanceof Error ? error.message : String(error)}`),
    )
    .finally(() => (quickPick.busy = false));
  const picked = await new Promise<Item | string | undefined>((resolve) => {
    quickPick.onDidAccept(() => {
      const typed = quickPick.value.trim();
      const selected = quickPick.selectedItems[0];
      resolve(pastedLakehouseUrl(typed) ? typed : selected);
      quickPick.hide();
    });
    quickPick.onDidHide(() => resolve(undefined));
  });
  quickPick.dispose();
  if (picked === undefined) throw new CancelledError('Add Lakehouse');
  let url = typeof picked === 'string' ? picked : undefined;
  if (typeof picked !== 'string' && picked.d) return fromDiscovered(picked.d);
  if (!url) {
    url = await vscode.window.showInputBox({
      title: 'Add Lakehouse from a URL',
      prompt:
        'abfss://<workspace>@onelake.dfs.fabric.microsoft.com/<lakehouse>.Lakehouse or https://onelake.dfs.fabric.microsoft.com/<workspace>/<lakehouse>.Lakehouse (names or GUIDs)',
      validateInput: (v) => (pastedLakehouseUrl(v) ? undefined : 'Not a OneLake lakehouse URL'),
      ignoreFocusOut: true,
    });
    if (!url) throw new CancelledError('Add Lakehouse');
  }
  const parsed = pastedLakehouseUrl(url);
  if (!parsed) throw new ConfigError(`'${url}' is not a OneLake lakehouse URL.`);
  return { location: parsed.location, display: parsed.item };
}

/** Remove Lakehouse: takes the entry out of the lakehouse.yml that defines it (the rest of the file is kept). */
export async function removeLakehouseCommand(deps: FabricCommandDeps, node: unknown): Promise<void> {
  const entry = await pickLakehouse(node, deps.config, 'Remove Lakehouse');
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const uri = vscode.Uri.joinPath(folder.uri, CONFIG_FILE);
    let text: string;
    try {
      text = new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
    } catch {
      continue;
    }
    if (!parseLakehouseFile(text, CONFIG_FILE).some((e) => e.name === entry.name)) continue;
    const answer = await vscode.window.showWarningMessage(
      `Remove ${entry.name} from ${vscode.workspace.asRelativePath(uri)}?`,
      { modal: true, detail: 'Only the entry is removed; nothing in the lakehouse is touched.' },
      'Remove',
    );
    if (answer !== 'Remove') throw new CancelledError('Remove Lakehouse');
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(removeLakehouseEntry(text, entry.name)));
    deps.refresh();
    return;
  }
  throw new LakehouseError(
    'config',
    `${entry.name} comes from ${entry.source}, not from a lakehouse.yml.`,
    'Remove it from the lakehouse.locations setting instead.',
  );
}
