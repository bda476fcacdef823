import { beforeAll, describe, expect, it } from 'vitest';
import {
  loadSnippets,
  renderSnippetWithRunner,
  renderSnippetsWithJinja2,
  SNIPPET_PATH,
  type Outcome,
} from './jinja-corpus/harness';
import { requireDbt } from './peers';

/**
 * The differential Jinja corpus, part (b): idiom snippets of dbt projects,
 * each rendered by the runner and by dbt's Jinja2 (one Python process for the
 * batch). Identical bytes, or a refusal the snippet names, at its line.
 */
const snippets = loadSnippets();
let reference: Map<string, Outcome>;

beforeAll(async () => {
  requireDbt();
  reference = await renderSnippetsWithJinja2(snippets);
}, 120_000);

describe('Jinja corpus: idiom snippets vs dbt Jinja2', () => {
  it('has at least 100 snippets with unique ids', () => {
    expect(snippets.length).toBeGreaterThanOrEqual(100);
    expect(new Set(snippets.map((s) => s.id)).size).toBe(snippets.length);
  });

  it.each(snippets.map((s) => [s.id, s] as const))('%s', async (_id, snippet) => {
    const theirs = reference.get(snippet.id);
    expect(theirs, 'Jinja2 rendered the snippet').toBeDefined();
    const mine = await renderSnippetWithRunner(snippet);
    if (snippet.refusal) {
      // A refusal is for what Jinja2 renders and the runner will not fake.
      expect(theirs).toHaveProperty('output');
      expect(mine).toHaveProperty('error');
      const message = (mine as { error: string }).error;
      expect(message).toContain(snippet.refusal);
      expect(message).toContain('not supported by the built-in runner');
      // The typed refusal, which carries the hint to use the dbt CLI runner.
      expect(mine).toHaveProperty('code', 'model-unsupported');
      expect(message).toMatch(new RegExp(`^${SNIPPET_PATH.replace(/[/.]/g, '\\$&')}:${snippet.line}\\b`));
    } else if (snippet.error) {
      expect(theirs).toHaveProperty('error');
      expect(mine).toHaveProperty('error');
      expect((theirs as { error: string }).error.toLowerCase()).toContain(snippet.error.toLowerCase());
      expect((mine as { error: string }).error.toLowerCase()).toContain(snippet.error.toLowerCase());
    } else {
      expect(theirs).toHaveProperty('output');
      expect(mine).toEqual(theirs);
    }
  });
});
