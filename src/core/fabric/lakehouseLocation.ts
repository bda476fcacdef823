import { parseLakehouseUrl, parseLocation, type LakehouseLocation } from '../storage/location';
import { formatLocation } from '../storage/locationFormat';
import type { FabricLakehouse, FabricWorkspaceDetails } from './types';

/**
 * The storage location of a discovered lakehouse, by GUID (names can be
 * renamed and may hold characters a path does not like), on the workspace's
 * own (regional) OneLake endpoint. An endpoint this product cannot use falls
 * back to the global OneLake host, which serves every region.
 */
export function discoveredLocation(workspace: FabricWorkspaceDetails, lakehouse: FabricLakehouse): LakehouseLocation {
  const endpoint = workspace.oneLakeEndpoints?.dfsEndpoint ?? workspace.oneLakeEndpoints?.blobEndpoint;
  if (endpoint) {
    try {
      return parseLocation(formatLocation(endpoint, workspace.id, lakehouse.id));
    } catch {
      // fall through to the global host
    }
  }
  return parseLocation(formatLocation('onelake', workspace.id, lakehouse.id));
}

/**
 * A pasted URL → the `location` to write in lakehouse.yml: every form
 * parseLakehouseUrl accepts (OneLake abfss / https dfs or blob, names or
 * GUIDs, regional hosts, ADLS accounts, the emulator); a path below the item
 * is dropped. Undefined when it is not a lakehouse URL.
 */
export function pastedLakehouseUrl(text: string): { location: string; workspace: string; item: string } | undefined {
  try {
    const { location } = parseLakehouseUrl(text);
    return { location: location.uri, workspace: location.container, item: location.item };
  } catch {
    return undefined;
  }
}
