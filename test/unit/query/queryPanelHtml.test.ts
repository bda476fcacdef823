import { describe, expect, it } from 'vitest';
import { newNonce, queryPanelHtml } from '../../../src/extension/query/queryPanelHtml';

describe('queryPanelHtml', () => {
  const html = queryPanelHtml({
    cspSource: 'https://webview.example',
    nonce: 'N0nce',
    scriptUri: 'https://webview.example/dist/media/query.js',
    styleUri: 'https://webview.example/dist/media/query.css',
  });

  it('allows nothing by default and scripts only with the nonce', () => {
    const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!;
    expect(csp.split('; ')).toEqual([
      "default-src 'none'",
      "script-src 'nonce-N0nce'",
      "style-src https://webview.example 'nonce-N0nce'",
      'font-src https://webview.example',
    ]);
    expect(html).not.toMatch(/unsafe-(inline|eval)/);
    const scripts = html.match(/<script[^>]*>/g)!;
    expect(scripts).toEqual(['<script nonce="N0nce" src="https://webview.example/dist/media/query.js">']);
  });

  it('draws a fresh nonce for every load', () => {
    const nonces = new Set(Array.from({ length: 20 }, () => newNonce()));
    expect(nonces.size).toBe(20);
    for (const n of nonces) expect(n).toMatch(/^[A-Za-z0-9+/]{24}$/);
  });
});
