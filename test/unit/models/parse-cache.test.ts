import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { compileTemplate, createJinjaEnvironment, renderString } from '../../../src/core/models/jinja/environment';
import { ParseCache } from '../../../src/core/models/parse-cache';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lh-parse-cache-'));
  file = join(dir, 'target', 'lakehouse', 'parse-cache.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const parsed = (text: string) => parseYaml(text) as unknown;

function render(cache: ParseCache, source: string, context: Record<string, unknown> = {}): string {
  return compileTemplate(createJinjaEnvironment({ templateCode: cache }), source, 'models/m.sql').render(context);
}

describe('ParseCache: YAML', () => {
  it('parses a text once, then answers from the cache (also after a save and reopen)', () => {
    const cache = ParseCache.open(file, 'build-1');
    let parses = 0;
    const counting = (text: string) => (parses++, parsed(text));
    const text = 'models:\n  - name: a\n    config: { materialized: table, tags: [x, y] }\n';
    expect(cache.yaml(text, counting)).toEqual(parsed(text));
    expect(cache.yaml(text, counting)).toEqual(parsed(text));
    expect(parses).toBe(1);
    cache.save(file);

    const reopened = ParseCache.open(file, 'build-1');
    expect(reopened.yaml(text, counting)).toEqual(parsed(text));
    expect(parses).toBe(1);
    expect([reopened.hits, reopened.misses]).toEqual([1, 0]);
  });

  it('gives a fresh value each time: a caller changing its copy changes no other', () => {
    const cache = ParseCache.open(file, 'b');
    const first = cache.yaml('a: [1, 2]', parsed) as { a: number[] };
    first.a.push(3);
    expect(cache.yaml('a: [1, 2]', parsed)).toEqual({ a: [1, 2] });
  });

  it('never caches what JSON would change (.inf, .nan, -0) or a __proto__ key', () => {
    const cache = ParseCache.open(file, 'b');
    for (const text of ['x: .inf', 'x: .nan', 'x: -0', '__proto__: { polluted: true }']) {
      let parses = 0;
      const first = cache.yaml(text, (t) => (parses++, parsed(t)));
      const second = cache.yaml(text, (t) => (parses++, parsed(t)));
      expect(parses, text).toBe(2);
      expect(Object.is((second as { x?: unknown }).x, (first as { x?: unknown }).x), text).toBe(true);
    }
    expect(Object.is((cache.yaml('x: -0', parsed) as { x: number }).x, -0)).toBe(true);
  });

  it('distinguishes texts by content, not by anything else', () => {
    const cache = ParseCache.open(file, 'b');
    expect(cache.yaml('a: 1', parsed)).toEqual({ a: 1 });
    expect(cache.yaml('a: 2', parsed)).toEqual({ a: 2 });
    expect(cache.yaml('a: 1 ', parsed)).toEqual({ a: 1 });
    expect(cache.misses).toBe(3);
  });
});

describe('ParseCache: compiled templates', () => {
  it('renders a cached template exactly as a freshly compiled one', () => {
    const source =
      '{% set xs = [3, 1, 2] %}{% for x in xs | sort %}{{ loop.index }}:{{ x }}{% if not loop.last %},{% endif %}{% endfor %} {{ name | upper }}';
    const fresh = compileTemplate(createJinjaEnvironment(), source, 'models/m.sql').render({ name: 'ab' });
    const cold = ParseCache.open(file, 'b');
    expect(render(cold, source, { name: 'ab' })).toBe(fresh);
    cold.save(file);
    const warm = ParseCache.open(file, 'b');
    expect(render(warm, source, { name: 'ab' })).toBe(fresh);
    expect([warm.hits, warm.misses]).toEqual([1, 0]);
  });

  it("renders YAML values' templates as nunjucks' renderString does, errors included", () => {
    const plain = createJinjaEnvironment();
    const cache = ParseCache.open(file, 'b');
    const cached = createJinjaEnvironment({ templateCode: cache });
    const outcome = (env: ReturnType<typeof createJinjaEnvironment>, source: string) => {
      try {
        return renderString(env, source, { n: 2 });
      } catch (error) {
        return `error: ${(error as Error).message}`;
      }
    };
    for (const source of ['{{ n * 3 }}\n', "{{ 'a' ~ n }}", '{{ n + }}', '{{ missing.attr }}']) {
      expect(outcome(cached, source), source).toBe(outcome(plain, source));
    }
    expect(outcome(plain, '{{ n + }}')).toMatch(/^error: /);
    expect(cache.hits + cache.misses).toBe(4);
  });

  it('reports a syntax error as nunjucks does, and caches nothing for it', () => {
    const broken = 'select {{ 1 + }}';
    const plain = (() => {
      try {
        compileTemplate(createJinjaEnvironment(), broken, 'models/m.sql');
      } catch (error) {
        return (error as Error).message;
      }
    })();
    const cache = ParseCache.open(file, 'b');
    // nunjucks' own message: the template's path, line and column, and what it found there.
    expect(plain).toBe('(models/m.sql) [Line 1, Column 15]\n  unexpected token: }}');
    expect(() => render(cache, broken)).toThrow(plain);
    expect(() => render(cache, broken)).toThrow(plain);
    expect(cache.misses).toBe(2);
    cache.save(file);
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
  });

  it('never runs code from a cache written by another runner build', () => {
    const source = 'select {{ 40 + 2 }}';
    const cache = ParseCache.open(file, 'build-A');
    render(cache, source);
    cache.save(file);
    // Swap every cached template for code that would print something else.
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { templates: Record<string, string> };
    for (const key of Object.keys(stored.templates))
      stored.templates[key] = 'return { root: function(env, context, frame, runtime, cb) { cb(null, "tampered"); } };';
    writeFileSync(file, JSON.stringify(stored));
    // The same build trusts its own file (which is why the build is part of the key)…
    expect(render(ParseCache.open(file, 'build-A'), source)).toBe('tampered');
    // …another build ignores the whole file.
    const other = ParseCache.open(file, 'build-B');
    expect(render(other, source)).toBe('select 42');
    expect(other.hits).toBe(0);
  });
});

describe('ParseCache: the file', () => {
  it('treats a damaged, foreign or wrongly shaped file as empty', () => {
    for (const text of ['{not json', '[]', '{"format":1,"build":"b","yaml":{"k":1},"templates":{}}', '{"format":99}']) {
      writeFileSync(join(dir, 'c.json'), text);
      const cache = ParseCache.open(join(dir, 'c.json'), 'b');
      expect(cache.yaml('a: 1', parsed)).toEqual({ a: 1 });
      expect(cache.misses, text).toBe(1);
    }
  });

  it('is written only when a run added to it, and keeps this run’s entries first', () => {
    const first = ParseCache.open(file, 'b');
    first.yaml('a: 1', parsed);
    first.yaml('b: 1', parsed);
    first.save(file);
    const written = readFileSync(file, 'utf8');

    const hitsOnly = ParseCache.open(file, 'b');
    hitsOnly.yaml('a: 1', parsed);
    hitsOnly.save(file);
    expect(readFileSync(file, 'utf8')).toBe(written);

    const another = ParseCache.open(file, 'b');
    another.yaml('c: 1', parsed);
    another.save(file);
    const reopened = ParseCache.open(file, 'b');
    for (const text of ['a: 1', 'b: 1', 'c: 1']) reopened.yaml(text, parsed);
    expect([reopened.hits, reopened.misses]).toEqual([3, 0]);
  });

  it('keeps running when the cache cannot be written', () => {
    writeFileSync(join(dir, 'target'), 'a file where the folder would go');
    const cache = ParseCache.open(file, 'b');
    cache.yaml('a: 1', parsed);
    expect(() => cache.save(file)).not.toThrow();
  });
});
