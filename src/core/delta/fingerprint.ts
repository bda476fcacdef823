import * as crypto from 'node:crypto';
import type { MetaDataAction } from './actions';

/**
 * The Delta table id: the DuckLake table uuid when the catalog has a valid
 * one (DuckLake 1.0 always does), otherwise a name-based (v5-style) UUID of
 * the table's identity, so re-exports of the same table always agree.
 */
export function deltaTableId(table: { uuid: string | null; tableId: number }, dataPath: string): string {
  if (table.uuid && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(table.uuid)) {
    return table.uuid.toLowerCase();
  }
  return nameBasedUuid(`ducklake-table:${dataPath}:${table.tableId}`);
}

export function nameBasedUuid(name: string): string {
  const bytes = crypto.createHash('sha1').update(name).digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Fingerprint of a table's file set: the sum (mod 2^256) of each decoded path's sha256, so it is the
 * same in any order and an incremental export can update it from the files a commit adds and removes
 * (filesHashUpdate) without reading the table's other files. The prefix tells it from the sorted-list
 * hash of earlier exporters, whose markers then simply do not match (the log is replayed once).
 */
export function filesHash(decodedPaths: Iterable<string>): string {
  return filesHashUpdate(EMPTY_FILES_HASH, decodedPaths, []);
}

/** `hash` of a file set, with `added` put in and `removed` taken out (each path at most once). */
export function filesHashUpdate(hash: string, added: Iterable<string>, removed: Iterable<string>): string {
  const hex = hash.startsWith(SET_HASH_PREFIX) ? hash.slice(SET_HASH_PREFIX.length) : '';
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`not a file-set hash: ${hash.slice(0, 12)}`);
  // The 256-bit sum as eight 32-bit words, most significant first (no BigInt per path: a 100k-file
  // table hashes every path once, and parsing each digest into a BigInt cost more than the hashing).
  const sum = new Float64Array(8);
  const bytes = Buffer.from(hex, 'hex');
  for (let i = 0; i < 8; i++) sum[i] = bytes.readUInt32BE(i * 4);
  // Words are added without their carries, which move up once at the end: exact while no word passes
  // 2^53, so the carries are also moved every CARRY_EVERY paths.
  let pending = 0;
  const add = (paths: Iterable<string>, sign: 1 | -1) => {
    for (const path of paths) {
      addWords(sum, pathDigest(path), sign);
      if (++pending === CARRY_EVERY) {
        carry(sum);
        pending = 0;
      }
    }
  };
  add(added, 1);
  add(removed, -1);
  carry(sum);
  const out = Buffer.alloc(32);
  for (let i = 0; i < 8; i++) out.writeUInt32BE(sum[i]!, i * 4);
  return SET_HASH_PREFIX + out.toString('hex');
}

const WORD = 2 ** 32;

const CARRY_EVERY = 1 << 20;

/** sum += sign * digest (its bytes as latin1 characters), each 32-bit word into its own slot (carries left for `carry`). */
function addWords(sum: Float64Array, digest: string, sign: 1 | -1): void {
  for (let i = 0, o = 0; i < 8; i++, o += 4)
    sum[i]! +=
      sign *
      (((digest.charCodeAt(o) << 24) |
        (digest.charCodeAt(o + 1) << 16) |
        (digest.charCodeAt(o + 2) << 8) |
        digest.charCodeAt(o + 3)) >>>
        0);
}

/** Moves every slot's carry (or borrow) up, so each holds 0..2^32-1 (mod 2^256: the top carry is dropped). */
function carry(sum: Float64Array): void {
  let up = 0;
  for (let i = 7; i >= 0; i--) {
    const value = sum[i]! + up;
    up = Math.floor(value / WORD);
    sum[i] = value - up * WORD;
  }
}

const SET_HASH_PREFIX = 's1:';
const EMPTY_FILES_HASH = SET_HASH_PREFIX + '0'.repeat(64);

// crypto.hash (Node 20.12+) skips a Hash object per path.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: 'binary') => string }).hash;

/** The path's SHA-256 as a 32-character latin1 (`binary`) string: no Buffer (and ArrayBuffer) per path. */
function pathDigest(path: string): string {
  return oneShot ? oneShot('sha256', path, 'binary') : crypto.createHash('sha256').update(path).digest('binary');
}

/** Fingerprint of the metaData fields readers act on (not createdTime). */
export function metadataHash(
  meta: Pick<MetaDataAction, 'id' | 'format' | 'schemaString' | 'partitionColumns' | 'configuration'>,
): string {
  const configuration = Object.entries(meta.configuration ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return sha256(
    JSON.stringify([meta.id, meta.format?.provider, meta.schemaString, meta.partitionColumns ?? [], configuration]),
  );
}

function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}
