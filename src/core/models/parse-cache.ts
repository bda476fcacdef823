import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { runnerBuild } from './skip-unchanged/memo';

/**
 * What parsing a project produced last time, keyed by the text it came from: each YAML file's
 * value (as JSON) and each Jinja template's compiled code. Keyed by content, not by file times,
 * so it can never answer for a file that changed; the YAML parse and the Jinja compile are the
 * parse's cost on a re-run (≈ 30 ms of the energy example's ≈ 40, more with packages' macros).
 * Compiled code is only trusted from this runner build (the bundle's size and mtime): a new
 * runner compiles differently, and a cache that came from anywhere else is never run.
 */
export interface YamlCache {
  /** The YAML value of `text`, from the cache or from `parse` (then remembered if JSON holds it exactly). */
  yaml(text: string, parse: (text: string) => unknown): unknown;
}

export interface TemplateCodeCache {
  /** The compiled code of a template, from the cache or from `compile` (then remembered). */
  templateCode(source: string, path: string, compile: () => string): string;
}

interface StoredCache {
  format: number;
  build: string;
  yaml: Record<string, string>;
  templates: Record<string, string>;
}

const FORMAT = 1;
/** Entries kept from earlier runs beyond this run's own (another selection's, a branch switched back). */
const KEEP_OLD = 4000;

/** target/lakehouse/parse-cache.json, beside the skip memo. */
export function parseCachePath(projectDir: string, targetPath = 'target'): string {
  return join(projectDir, targetPath, 'lakehouse', 'parse-cache.json');
}

export class ParseCache implements YamlCache, TemplateCodeCache {
  /** This run's entries (hits and new ones): what is written back first. */
  private readonly usedYaml = new Map<string, string>();
  private readonly usedTemplates = new Map<string, string>();
  private added = false;
  hits = 0;
  misses = 0;

  private constructor(
    private readonly build: string,
    private readonly stored: StoredCache,
  ) {}

  /** The cache at `file`; an absent, damaged or foreign file (another format or runner build) is an empty cache. */
  static open(file: string, build = runnerBuild()): ParseCache {
    const empty: StoredCache = { format: FORMAT, build, yaml: {}, templates: {} };
    try {
      const read = JSON.parse(readFileSync(file, 'utf8')) as Partial<StoredCache>;
      const valid =
        read.format === FORMAT && read.build === build && isStringRecord(read.yaml) && isStringRecord(read.templates);
      return new ParseCache(build, valid ? (read as StoredCache) : empty);
    } catch {
      return new ParseCache(build, empty);
    }
  }

  /** A cache for this process only (nothing read or written). */
  static inMemory(build = runnerBuild()): ParseCache {
    return new ParseCache(build, { format: FORMAT, build, yaml: {}, templates: {} });
  }

  yaml(text: string, parse: (text: string) => unknown): unknown {
    const key = hashOf(['yaml', text]);
    const known = this.usedYaml.get(key) ?? own(this.stored.yaml, key);
    if (known !== undefined) {
      this.hits++;
      this.usedYaml.set(key, known);
      // A fresh value each time: callers may change what they are given.
      return JSON.parse(known) as unknown;
    }
    this.misses++;
    const value = parse(text);
    // Only values JSON gives back exactly (YAML's .inf, .nan and -0 do not survive it): the rest is parsed each time.
    if (jsonExact(value)) {
      this.usedYaml.set(key, JSON.stringify(value));
      this.added = true;
    }
    return value;
  }

  templateCode(source: string, path: string, compile: () => string): string {
    const key = hashOf(['template', this.build, path, source]);
    const known = this.usedTemplates.get(key) ?? own(this.stored.templates, key);
    if (known !== undefined) {
      this.hits++;
      this.usedTemplates.set(key, known);
      return known;
    }
    this.misses++;
    const code = compile();
    this.usedTemplates.set(key, code);
    this.added = true;
    return code;
  }

  /**
   * Writes the cache when this run added to it: this run's entries, then earlier ones up to a
   * bound. Atomic (a temporary file renamed), so a run killed mid-write leaves the old cache; not
   * fsynced, since a cache lost in a crash is only parsed again.
   */
  save(file: string): void {
    if (!this.added) return;
    const yaml = Object.fromEntries(this.usedYaml);
    const templates = Object.fromEntries(this.usedTemplates);
    let room = KEEP_OLD;
    const keepOld = (into: Record<string, string>, from: Record<string, string>) => {
      for (const [key, value] of Object.entries(from)) {
        if (room <= 0) return;
        if (Object.hasOwn(into, key)) continue;
        into[key] = value;
        room--;
      }
    };
    keepOld(yaml, this.stored.yaml);
    keepOld(templates, this.stored.templates);
    const document: StoredCache = { format: FORMAT, build: this.build, yaml, templates };
    try {
      mkdirSync(dirname(file), { recursive: true });
      writeFileAtomic.sync(file, JSON.stringify(document), { fsync: false });
    } catch {
      // A cache that cannot be written (read-only checkout, full disk) only means parsing again next time.
    }
  }
}

function hashOf(parts: string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('base64url');
}

function own(record: Record<string, string>, key: string): string | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const v of Object.values(value)) if (typeof v !== 'string') return false;
  return true;
}

/** True when `JSON.parse(JSON.stringify(value))` is `value` again: plain objects, arrays, strings, finite numbers (not -0), booleans, null. */
function jsonExact(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value) && !Object.is(value, -0);
  if (Array.isArray(value)) return value.every(jsonExact);
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    // "__proto__" as a key: JSON.parse makes it an own property, a literal assignment would not.
    return Object.entries(value).every(([k, v]) => k !== '__proto__' && jsonExact(v));
  }
  return false;
}
