// The metrics page's HTML shell. No vscode import: the webview test builds the very same
// page. Everything it loads comes from `cspSource` (the extension's dist/media folder);
// the only script is the nonce'd bundle, and styles are the bundle's CSS file.
import { randomBytes } from 'node:crypto';

export interface ShellOptions {
  /** webview.cspSource (or the test server's origin). */
  cspSource: string;
  scriptUri: string;
  styleUri: string;
  nonce?: string;
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

const escapeAttr = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function metricsHtml(opts: ShellOptions): string {
  const nonce = opts.nonce ?? makeNonce();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(contentSecurityPolicy(opts.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(opts.styleUri)}" nonce="${nonce}">
<title>Plumb metrics</title>
</head>
<body>
<header id="top"><h1 id="title">Plumb metrics</h1><span id="status"></span><select id="run" aria-label="Run"></select></header>
<main id="charts"><p class="empty" id="empty">No runs yet. Run or debug a pipeline to see its metrics here.</p></main>
<script nonce="${nonce}" src="${escapeAttr(opts.scriptUri)}"></script>
</body>
</html>
`;
}
