import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { PORTAL_MARKUP } from './portal-markup.js';
import { PORTAL_STYLES } from './portal-styles.js';

export interface PortalPage {
  readonly html: string;
  /** Allows exactly this page's inline script and style (by hash) and requests to its own origin. */
  readonly contentSecurityPolicy: string;
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * The page's script: `portal/` bundled into one classic script by `npm run build` (scripts/build-portal.ts).
 * package.json `imports` names the file, so the same lookup finds it from the sources, from `dist/` and in
 * the deployed package.
 */
function readPortalScript(): string {
  let path: string;
  try {
    path = createRequire(import.meta.url).resolve('#portal-script');
  } catch (err) {
    throw new Error('The portal page script is not built: run `npm run build`.', { cause: err });
  }
  const script = readFileSync(path, 'utf8').trimEnd();
  // It is inlined: a closing tag inside it would end the script element early.
  if (/<\/script/i.test(script)) throw new Error(`${path} contains "</script" and cannot be inlined`);
  return script;
}

/**
 * The portal page: markup, style and script in one document, so the service serves it from one function
 * with nothing else to fetch. Hashes are computed from the exact text served.
 */
export function renderPortalPage(): PortalPage {
  const script = readPortalScript();
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
