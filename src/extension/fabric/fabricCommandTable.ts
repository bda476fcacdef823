import type { CommandHandler } from '../commandRunner';
import {
  addLakehouseCommand,
  chooseTenantCommand,
  copyPathCommand,
  createCatalogCommand,
  filterWorkspacesCommand,
  openInFabricCommand,
  pinWorkspaceCommand,
  removeLakehouseCommand,
  signInCommand,
  signOutCommand,
  switchAccountCommand,
  type FabricCommandDeps,
} from './fabricCommands';

/** The Fabric part of the one command table (commands.ts spreads it in). */
export function fabricCommands(deps: FabricCommandDeps): Record<string, CommandHandler> {
  return {
    'lakehouse.fabric.signIn': () => signInCommand(deps),
    'lakehouse.fabric.signOut': () => signOutCommand(deps),
    'lakehouse.fabric.switchAccount': () => switchAccountCommand(deps),
    'lakehouse.fabric.chooseTenant': (tenant) => chooseTenantCommand(deps, tenant),
    'lakehouse.fabric.refresh': () => deps.store.refresh(),
    'lakehouse.fabric.filterWorkspaces': () => filterWorkspacesCommand(deps),
    'lakehouse.fabric.pinWorkspace': (node) => pinWorkspaceCommand(deps, node, true),
    'lakehouse.fabric.unpinWorkspace': (node) => pinWorkspaceCommand(deps, node, false),
    'lakehouse.fabric.openInFabric': (node) => openInFabricCommand(node),
    'lakehouse.fabric.createCatalog': (node) => createCatalogCommand(deps, node),
    'lakehouse.addLakehouse': (node) => addLakehouseCommand(deps, node),
    'lakehouse.removeLakehouse': (node) => removeLakehouseCommand(deps, node),
    'lakehouse.copyPath': (node) => copyPathCommand(deps, node),
  };
}
