import { createHash } from 'node:crypto';
import { PORTAL_MARKUP } from './portal-markup.js';
import { PORTAL_STYLES } from './portal-styles.js';
import { portalClient } from './portal-client.js';

export interface PortalPage {
  readonly html: string;
  /** Allows exactly this page's inline script and style (by hash) and requests to its own origin. */
  readonly contentSecurityPolicy: string;
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * The portal page: markup, style and script in one document, so the service serves it from one function
 * with nothing to copy at build. The script is `portalClient`'s compiled source; a loader that keeps
 * function names (tsx, esbuild's keepNames) calls a `__name` helper inside it, so the page defines a no-op
 * one. Hashes are computed from the exact text served.
 */
export function renderPortalPage(): PortalPage {
  const script = `"use strict";var __name=function(f){return f};(${portalClient.toString()})();`;
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Webhooks - registry-webhooks</title>
<style>${PORTAL_STYLES}</style>
</head>
<body>
${PORTAL_MARKUP}
<script>${script}</script>
</body>
</html>
`;
  const contentSecurityPolicy = [
    "default-src 'none'",
    `script-src ${sha256(script)}`,
    `style-src ${sha256(PORTAL_STYLES)}`,
    "connect-src 'self'",
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
  return { html, contentSecurityPolicy };
}
