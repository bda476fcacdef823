import { randomBytes } from 'node:crypto';

/** A fresh nonce per page load: only the scripts and styles stamped with it run. */
export function newNonce(): string {
  return randomBytes(18).toString('base64');
}

export interface PanelHtmlParts {
  /** `webview.cspSource`. */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  nonce: string;
}

/**
 * The results panel's page: an empty body the bundle fills. The CSP allows
 * nothing by default, scripts only with the nonce, styles from the media
 * folder or with the nonce (no inline style attributes in markup, no eval,
 * no network, no images).
 */
export function queryPanelHtml(parts: PanelHtmlParts): string {
  const { cspSource, scriptUri, styleUri, nonce } = parts;
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" nonce="${nonce}" href="${escapeAttr(styleUri)}">
<title>Query Results</title>
</head>
<body>
<script nonce="${nonce}" src="${escapeAttr(scriptUri)}"></script>
</body>
</html>`;
}

function escapeAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}
