import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJinjaEnvironment } from '../../../src/core/models/jinja/environment';
import { ParseCache } from '../../../src/core/models/parse-cache';
import {
  dbtMacroFiles,
  loadSnippets,
  parseWithRunner,
  renderSnippetWithRunner,
  type DbtMacroFile,
  type Outcome,
  type ParseOutcome,
} from './jinja-corpus/harness';
import { requireDbt } from './peers';

/**
 * The parse cache (compiled template code kept between runs) changes nothing a template does:
 * every corpus snippet — outputs, errors and refusals — and every macro file of dbt-core's and
 * dbt-duckdb's installed wheels gives the same outcome compiled fresh, compiled into a cache, and
 * served from that cache after it was written to disk and read back (a later run).
 */
const snippets = loadSnippets();
let dir: string;
let files: DbtMacroFile[];

beforeAll(async () => {
  requireDbt();
  dir = mkdtempSync(join(tmpdir(), 'lh-corpus-cache-'));
  files = await dbtMacroFiles();
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const withCache = (cache: ParseCache) => createJinjaEnvironment({ templateCode: cache });

describe('Jinja corpus through the parse cache', () => {
  it('renders every snippet identically: fresh, into the cache, and from it', async () => {
    const file = join(dir, 'snippets.json');
    const fresh = new Map<string, Outcome>();
    for (const s of snippets) fresh.set(s.id, await renderSnippetWithRunner(s));

    const cold = ParseCache.open(file, 'corpus-build');
    const coldEnv = withCache(cold);
    for (const s of snippets) expect(await renderSnippetWithRunner(s, coldEnv), s.id).toEqual(fresh.get(s.id));
    cold.save(file);

    const warm = ParseCache.open(file, 'corpus-build');
    const warmEnv = withCache(warm);
    for (const s of snippets) expect(await renderSnippetWithRunner(s, warmEnv), s.id).toEqual(fresh.get(s.id));
    // Every template that compiled was served from the file; only the ones that fail to compile compile again.
    expect(warm.hits).toBeGreaterThan(snippets.length);
    const failing = [...fresh.values()].filter((o) => 'error' in o).length;
    expect(warm.misses).toBeLessThanOrEqual(failing);
  });

  it("parses every macro file of dbt's wheels identically: fresh and from the cache", () => {
    const file = join(dir, 'dbt-macros.json');
    const fresh = new Map<string, ParseOutcome>(files.map((f) => [f.id, parseWithRunner(f)]));
    const cold = ParseCache.open(file, 'corpus-build');
    const coldEnv = withCache(cold);
    for (const f of files) expect(parseWithRunner(f, coldEnv), f.id).toEqual(fresh.get(f.id));
    cold.save(file);

    const warm = ParseCache.open(file, 'corpus-build');
    const warmEnv = withCache(warm);
    for (const f of files) expect(parseWithRunner(f, warmEnv), f.id).toEqual(fresh.get(f.id));
    expect(files.length).toBeGreaterThan(100);
    expect(warm.hits).toBeGreaterThanOrEqual(files.filter((f) => 'macros' in fresh.get(f.id)!).length);
  });
});
