/** Shapes of the Fabric REST API (v1) that discovery reads; only the fields we use. */

export interface FabricWorkspace {
  id: string;
  displayName: string;
  description?: string;
  /** `Workspace`, `Personal` (My workspace) or `AdminWorkspace`. */
  type: string;
  capacityId?: string;
}

/** Get Workspace adds the OneLake endpoints of the workspace's region. */
export interface FabricWorkspaceDetails extends FabricWorkspace {
  oneLakeEndpoints?: { blobEndpoint?: string; dfsEndpoint?: string };
}

export interface FabricLakehouse {
  id: string;
  displayName: string;
  description?: string;
  type: string;
  workspaceId: string;
  properties?: {
    oneLakeTablesPath?: string;
    oneLakeFilesPath?: string;
    /** Present (e.g. `dbo`) on schema-enabled lakehouses. */
    defaultSchema?: string;
  };
}

/** One page of a list call: items plus, while more remain, a token and a ready-made URI. */
export interface FabricPage<T> {
  value: T[];
  continuationToken?: string;
  continuationUri?: string;
}

/** The error envelope Fabric answers with on 4xx/5xx. */
export interface FabricErrorEnvelope {
  errorCode?: string;
  message?: string;
  requestId?: string;
  moreDetails?: Array<{ errorCode?: string; message?: string }>;
  relatedResource?: { resourceId?: string; resourceType?: string };
}

export const FABRIC_API_URL = 'https://api.fabric.microsoft.com/v1';
export const FABRIC_SCOPE = 'https://api.fabric.microsoft.com/.default';
export const STORAGE_SCOPE = 'https://storage.azure.com/.default';
export const FABRIC_PORTAL_URL = 'https://app.fabric.microsoft.com';

/** Where a lakehouse opens in the Fabric portal. */
export function fabricPortalUrl(workspaceId: string, lakehouseId: string): string {
  return `${FABRIC_PORTAL_URL}/groups/${encodeURIComponent(workspaceId)}/lakehouses/${encodeURIComponent(lakehouseId)}`;
}
