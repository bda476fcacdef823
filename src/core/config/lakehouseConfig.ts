import { isMap, isScalar, isSeq, LineCounter, parse as parseYaml, parseDocument } from 'yaml';
import { ConfigError } from '../errors';
import { credentialInLocation, CREDENTIALS_HINT } from './credentials';
import { parseCatalogValue, type CatalogStore } from './catalogStore';
import { MIN_STALE_AFTER_MS } from '../lease/leaseView';
import { parseDuration } from '../util/duration';
import { normalizeItemPath, parseLocation, type LakehouseLocation } from '../storage/location';
import { DEFAULT_LAKE_LAYOUT, parseLayout, type TableLayout } from '../lake/layout';

export const CONFIG_FILE = 'lakehouse.yml';
export const DEFAULT_CATALOG_PATH = 'Files/metadata.db';
export const DEFAULT_STALE_AFTER = '12h';

/** One lakehouse the user works with, fully resolved. */
export interface LakehouseEntry {
  name: string;
  location: LakehouseLocation;
  /** Path of the catalog inside the item (for a PostgreSQL catalog: where the retired SQLite file lives). */
  catalogPath: string;
  /** SQLite file under a lease (the default) or a PostgreSQL database with many writers (team mode). */
  catalogStore?: CatalogStore;
  staleAfterMs: number;
  /** The dbt project folder, as written (relative to lakehouse.yml); the config's folder when omitted. */
  project?: string;
  /** Also write Iceberg metadata beside every Delta export (docs/ICEBERG.md); undefined = not set here. */
  iceberg?: boolean;
  /** Parquet layout for Direct Lake (`layout:`), the defaults filled in; DEFAULT_LAKE_LAYOUT when absent. */
  layout?: TableLayout;
  /** Where the entry came from, for error messages. */
  source: string;
}

export interface RawLakehouseEntry {
  name?: unknown;
  location?: unknown;
  catalog?: unknown;
  staleAfter?: unknown;
  project?: unknown;
  iceberg?: unknown;
  layout?: unknown;
}

const ENTRY_KEYS = ['name', 'location', 'catalog', 'staleAfter', 'project', 'iceberg', 'layout'] as const;

/** "unknown key 'stale_after' (did you mean 'staleAfter'?)": a misspelt key must not be silently ignored. */
function unknownKeyMessage(key: string): string {
  const plain = (k: string) => k.toLowerCase().replace(/[^a-z]/g, '');
  const near = ENTRY_KEYS.find((k) => plain(k) === plain(key));
  return `unknown key '${key}'${near ? ` (did you mean '${near}'?)` : ''}; a lakehouse entry has ${ENTRY_KEYS.join(', ')}.`;
}

/** The 1-based line of the first unknown key of each entry, for messages that point into the file. */
function unknownKeyLines(text: string): Map<number, { key: string; line: number }> {
  const out = new Map<number, { key: string; line: number }>();
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter });
  const list = doc.get('lakehouses');
  if (!isSeq(list)) return out;
  list.items.forEach((item, index) => {
    if (!isMap(item)) return;
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if ((ENTRY_KEYS as readonly string[]).includes(key)) continue;
      const offset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      out.set(index, { key, line: offset === undefined ? 0 : counter.linePos(offset).line });
      return;
    }
  });
  return out;
}

/** Parses the text of a lakehouse.yml: `lakehouses: [{ name, location, catalog?, staleAfter? }]`. */
export function parseLakehouseFile(
  text: string,
  source: string,
  defaultStaleAfter = DEFAULT_STALE_AFTER,
): LakehouseEntry[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${source} is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return [];
  const list = (doc as { lakehouses?: unknown }).lakehouses;
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new ConfigError(`${source}: 'lakehouses' must be a list.`);
  const [first] = [...unknownKeyLines(text).entries()];
  if (first) {
    const [index, { key, line }] = first;
    throw new ConfigError(
      `${source}${line ? ` line ${line}` : ''}: lakehouses[${index}] has an ${unknownKeyMessage(key)}`,
    );
  }
  return resolveEntries(list as RawLakehouseEntry[], source, defaultStaleAfter);
}

/** Validates raw entries (from YAML or VS Code settings); names must be unique. */
export function resolveEntries(
  raw: RawLakehouseEntry[],
  source: string,
  defaultStaleAfter = DEFAULT_STALE_AFTER,
): LakehouseEntry[] {
  const seen = new Set<string>();
  return raw.map((entry, index) => {
    const where = `${source} lakehouses[${index}]`;
    if (typeof entry !== 'object' || entry === null) throw new ConfigError(`${where} must be a mapping.`);
    const unknown = Object.keys(entry).find((k) => !(ENTRY_KEYS as readonly string[]).includes(k));
    if (unknown !== undefined) throw new ConfigError(`${where} has an ${unknownKeyMessage(unknown)}`);
    if (typeof entry.name !== 'string' || !/^[\p{L}\p{N}_.-]{1,64}$/u.test(entry.name) || /^\.+$/.test(entry.name)) {
      throw new ConfigError(`${where}: 'name' must be 1–64 letters, digits, '.', '_' or '-'.`);
    }
    if (seen.has(entry.name)) throw new ConfigError(`${where}: the name '${entry.name}' is used twice.`);
    seen.add(entry.name);
    if (typeof entry.location !== 'string') throw new ConfigError(`${where}: 'location' is required.`);
    const credential = credentialInLocation(entry.location);
    if (credential) {
      // Refused rather than stripped: a location is echoed into outputs and state files, and the
      // credential would not be used anyway (storage auth is Entra sign-in, or Azurite's fixed key).
      throw new ConfigError(
        `${where}: the location carries ${credential}; credentials are never read from a location (it is shown in outputs, logs and .lakehouse/ state files).`,
        CREDENTIALS_HINT,
      );
    }
    const { store: catalogStore, path: catalog } = parseCatalogValue(entry.catalog, where, DEFAULT_CATALOG_PATH);
    const staleAfter = entry.staleAfter ?? defaultStaleAfter;
    if (typeof staleAfter !== 'string' && typeof staleAfter !== 'number')
      throw new ConfigError(`${where}: 'staleAfter' must be like 12h.`);
    if (entry.project !== undefined && typeof entry.project !== 'string')
      throw new ConfigError(`${where}: 'project' must be a folder path.`);
    if (entry.iceberg !== undefined && typeof entry.iceberg !== 'boolean')
      throw new ConfigError(`${where}: 'iceberg' must be true or false.`);
    return {
      name: entry.name,
      project: entry.project,
      ...(entry.iceberg === undefined ? {} : { iceberg: entry.iceberg }),
      location: parseLocation(entry.location),
      catalogPath: normalizeItemPath(catalog),
      ...(catalogStore.kind === 'postgres' ? { catalogStore } : {}),
      staleAfterMs: staleAfterMs(staleAfter, where),
      layout: { ...DEFAULT_LAKE_LAYOUT, ...lakeLayout(entry.layout, where) },
      source,
    };
  });
}

/** A lakehouse's layout: row-group size and target file size; a sort key belongs to a table (a model's config). */
function lakeLayout(raw: unknown, where: string): TableLayout {
  const layout = parseLayout(raw, `${where} layout`, 'camel');
  if (layout.sortedBy)
    throw new ConfigError(
      `${where} layout: 'sortedBy' is a table's setting, not a lakehouse's.`,
      "Set it on the model: {{ config(lakehouse_layout={'sorted_by': ['col']}) }}.",
    );
  return layout;
}

/** A stale threshold of at least MIN_STALE_AFTER_MS: `0` would let anyone break a running holder. */
function staleAfterMs(value: string | number, where: string): number {
  const ms = parseDuration(value, `${where} staleAfter`);
  if (ms < MIN_STALE_AFTER_MS)
    throw new ConfigError(
      `${where} staleAfter ${JSON.stringify(value)} is too short: a lease younger than that could be broken while its run is still working.`,
      `Use at least ${MIN_STALE_AFTER_MS / 1000}s; the default is 12h, and a long run keeps its lease fresh with a heartbeat.`,
    );
  return ms;
}

/** `metadata.db` from `Files/metadata.db`. */
export function catalogFileName(entry: LakehouseEntry): string {
  return entry.catalogPath.split('/').pop() ?? entry.catalogPath;
}
