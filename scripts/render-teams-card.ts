import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { renderPayload } from '../shared/delivery/formats/render-payload.js';
import type { AcrEvent } from '../shared/events/acr-event.js';

/*
 * docs/images/teams-card.png, the README's picture of the `teams` format: the card this service sends for
 * a coalesced push, drawn by the official Adaptive Cards renderer (the `adaptivecards` package, its
 * default host config) in Debian's chromium. Run it after changing the card: `npx tsx scripts/render-teams-card.ts`.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bundle = readFileSync(createRequire(import.meta.url).resolve('adaptivecards/dist/adaptivecards.min.js'), 'utf8');

const event: AcrEvent = {
  id: '5c1b0f6e-2d4f-4a6e-9c1a-7d2b0e8f3a41',
  timestamp: '2026-11-27T10:00:00.123Z',
  action: 'push',
  target: {
    mediaType: 'application/vnd.oci.image.index.v1+json',
    size: 742,
    digest: 'sha256:c2750f61090d7a3a7ab1cfbede0926f875b4453371bb03110672d05eb5f5e1bb',
    length: 742,
    repository: 'team/app',
    tag: 'v1',
    platforms: [
      { digest: `sha256:${'a'.repeat(64)}`, os: 'linux', architecture: 'amd64' },
      { digest: `sha256:${'b'.repeat(64)}`, os: 'linux', architecture: 'arm64', variant: 'v8' },
    ],
  },
};
const webhook = { name: 'teams01', registryName: 'myregistry', subscriptionId: '', resourceGroup: '', location: 'westeurope' };
const message = JSON.parse(renderPayload({ ...webhook, payloadFormat: 'teams' }, event).body) as { attachments: { content: unknown }[] };

const browser = await chromium.launch({
  executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
try {
  const page = await browser.newPage({ viewport: { width: 620, height: 400 }, deviceScaleFactor: 2 });
  await page.setContent(
    '<body style="margin:0;padding:16px;background:#f5f5f5;font-family:Segoe UI,sans-serif"><div id="card" style="width:560px"></div></body>',
  );
  await page.addScriptTag({ content: bundle });
  // A string, run in the page: this script is built without DOM types (only portal/ and test/ have them).
  const card = JSON.stringify(message.attachments[0]!.content);
  await page.evaluate(
    `(() => { const c = new AdaptiveCards.AdaptiveCard(); c.parse(${card}); document.getElementById('card').append(c.render()); })()`,
  );
  await page.locator('#card').screenshot({ path: join(root, 'docs', 'images', 'teams-card.png') });
} finally {
  await browser.close();
}
