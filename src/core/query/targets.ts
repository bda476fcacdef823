import type { TokenCredential } from '@azure/identity';
import { postgresConnection } from '../config/catalogStore';
import type { LakehouseEntry } from '../config/lakehouseConfig';
import { LakehouseError } from '../errors';
import type { CatalogFormat } from '../lake/catalogFormat';
import { LocalMirror } from '../lake/localMirror';
import { authFor } from '../storage/blobStore';
import { tablesUrl, type LakehouseLocation, type LocationKind } from '../storage/location';
import type { QueryTarget } from './types';

/** What the engine needs to open a local target: the pulled working catalog and its data mirror. */
export interface LocalTargetSpec {
  kind: 'local';
  lakehouse: string;
  catalogFile: string;
  dataRoot: string;
  format: CatalogFormat;
}

/** Storage access for a published target. Crosses to the engine process over IPC only; never logged. */
export type PublishedAuth =
  { kind: 'sharedKey'; account: string; key: string } | { kind: 'token'; token: string; expiresOnTimestamp: number };

/** What the engine needs to read a lakehouse's Delta tables from blob storage. */
export interface PublishedTargetSpec {
  kind: 'published';
  lakehouse: string;
  locationKind: LocationKind;
  /** Blob service root, e.g. `http://127.0.0.1:10000/devstoreaccount1`. */
  accountUrl: string;
  container: string;
  item: string;
  /** The folder of the item holding the Delta tables, with a trailing slash (`Tables/`). */
  tablesPrefix: string;
  auth: PublishedAuth;
}

/**
 * The local target of a lakehouse whose catalog is PostgreSQL (team mode): the
 * shared catalog itself, attached read-only, its Parquet read from the
 * lakehouse's Tables/. Answers a `{ kind: 'local' }` target: there is no
 * pulled copy in team mode. The connection and storage access cross to the
 * engine over IPC only; never logged, never written to a file.
 */
export interface TeamTargetSpec {
  kind: 'team';
  lakehouse: string;
  /** The PostgreSQL connection string (libpq key/value or URL). */
  connection: string;
  /** The variable lakehouse.yml names for it, for hints (never its value). */
  connectionEnv: string;
  /** DATA_PATH: the lakehouse's Tables/ URL (`az://…/Tables/`, `abfss://…/Tables/`). */
  dataPath: string;
  locationKind: LocationKind;
  accountUrl: string;
  container: string;
  auth: PublishedAuth;
}

export type TargetSpec = LocalTargetSpec | PublishedTargetSpec | TeamTargetSpec;

/** Turns a target the user picked into what the engine opens (runs in the caller's process, where credentials live). */
export type TargetResolver = (target: QueryTarget) => Promise<TargetSpec>;

const STORAGE_SCOPE = 'https://storage.azure.com/.default';

export class NotPulledError extends LakehouseError {
  constructor(name: string) {
    super(
      'not-pulled',
      `Lakehouse '${name}' has no local catalog yet, so there is nothing to query locally.`,
      `Pull it first ('lakehouse pull --lakehouse ${name}' or Lakehouse: Pull), or query the published tables.`,
    );
  }
}

/** The resolver the CLI and the extension share: entries from lakehouse.yml/settings, the workspace's mirrors. */
export function lakehouseTargetResolver(options: {
  /** The configured lakehouses, or a getter for them (the editor's list changes with lakehouse.yml). */
  entries: readonly LakehouseEntry[] | (() => readonly LakehouseEntry[]);
  workspaceDir: string;
  /** Entra credential for OneLake/Blob accounts; Azurite needs none. */
  credential?: TokenCredential;
  /**
   * A PostgreSQL catalog's connection (the editor: SecretStorage, then the
   * environment). Undefined falls back to the variable lakehouse.yml names in
   * this process's environment (the CLI).
   */
  teamConnection?: (entry: LakehouseEntry) => Promise<string | undefined>;
}): TargetResolver {
  const find = (name: string) => {
    const entries = typeof options.entries === 'function' ? options.entries() : options.entries;
    const entry = entries.find((e) => e.name === name);
    if (!entry)
      throw new LakehouseError(
        'config',
        `No lakehouse named '${name}' is configured.`,
        `Known: ${entries.map((e) => e.name).join(', ') || 'none'}. Add it to lakehouse.yml.`,
      );
    return entry;
  };
  return async (target) => {
    const entry = find(target.lakehouse);
    if (target.kind === 'local' && entry.catalogStore?.kind === 'postgres') {
      const store = entry.catalogStore;
      const connection = (await options.teamConnection?.(entry)) ?? postgresConnection(store, entry.name, process.env);
      return {
        kind: 'team',
        lakehouse: entry.name,
        connection,
        connectionEnv: store.connectionEnv,
        dataPath: tablesUrl(entry.location),
        locationKind: entry.location.kind,
        accountUrl: entry.location.accountUrl,
        container: entry.location.container,
        auth: await storageAccess(entry.location, options.credential),
      };
    }
    const mirror = LocalMirror.forLakehouse(options.workspaceDir, entry.name);
    const state = await mirror.readState();
    if (target.kind === 'local') {
      if (!state) throw new NotPulledError(entry.name);
      return {
        kind: 'local',
        lakehouse: entry.name,
        catalogFile: mirror.catalogFile,
        dataRoot: mirror.dataRoot,
        format: state.format,
      };
    }
    const location = entry.location;
    const published = await storageAccess(location, options.credential);
    return {
      kind: 'published',
      lakehouse: entry.name,
      locationKind: location.kind,
      accountUrl: location.accountUrl,
      container: location.container,
      item: location.item,
      tablesPrefix: state?.dataPrefix ? state.dataPrefix.replace(/\/?$/, '/') : 'Tables/',
      auth: published,
    };
  };
}

/** The storage key (Azurite) or a fresh Entra token, as the engine needs it to read the lakehouse. */
async function storageAccess(
  location: LakehouseLocation,
  credential: TokenCredential | undefined,
): Promise<PublishedAuth> {
  const auth = authFor(location, credential);
  if (auth.kind === 'sharedKey') return auth;
  const token = await auth.credential.getToken(STORAGE_SCOPE);
  if (!token) throw new LakehouseError('auth', `No storage token for ${location.uri}.`, 'Sign in again.');
  return { kind: 'token', token: token.token, expiresOnTimestamp: token.expiresOnTimestamp };
}
