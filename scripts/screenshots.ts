// `npm run screenshots`: starts the demo (endpoint + Vite, temporary data dir), drives it in
// Debian's Chromium with the built-in fake camera and saves each reachable step of the element
// to docs/screenshots/. The fake camera shows no face: the challenge and result screens are taken
// on the element test page with its test-only scripted engine (the endpoint is still the real
// one), so their preview shows Chromium's test pattern rather than a person.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../e2e/support/chromium';
import { embeddingModelId, startDemo } from './start';

const out = new URL('../docs/screenshots/', import.meta.url).pathname;

async function setup(page: Page, url: string, o: { mode: string; subject: string; lang: string }) {
  await page.goto(url);
  await page.check(`input[name="mode"][value="${o.mode}"]`);
  await page.fill('#subject', o.subject);
  await page.selectOption('#lang', o.lang);
  await page.click('#setup button[type="submit"]');
  await page.waitForSelector('face-verify[step="consent"]');
}

async function shot(page: Page, name: string) {
  await page
    .locator('face-verify')
    .screenshot({ path: join(out, `${name}.png`), animations: 'disabled' });
  console.log(`  docs/screenshots/${name}.png`);
}

async function step(page: Page, name: string, timeout = 120_000) {
  await page.waitForSelector(`face-verify[step="${name}"]`, { timeout });
}

async function accept(page: Page) {
  await page.locator('face-verify').getByRole('checkbox').first().check();
  await page.locator('face-verify [part~="accept"]').click();
}

/** Chinese screenshots only where a CJK font is installed (otherwise they show empty boxes). */
function hasCjkFont(): boolean {
  try {
    return execFileSync('fc-list', [':lang=zh'], { encoding: 'utf8' }).trim().length > 0;
  } catch {
    return false;
  }
}
const langs = hasCjkFont() ? ['en', 'zh-CN'] : ['en'];
if (langs.length === 1) console.log('  (no CJK font installed: zh-CN screenshots skipped)');

const data = mkdtempSync(join(tmpdir(), 'fv-shots-'));
mkdirSync(out, { recursive: true });
const demo = await startDemo({ demoPort: 5197, endpointPort: 8797, dataDir: data, quiet: true });
const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: [...chromiumArgs, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  for (const lang of langs) {
    await setup(page, demo.url, { mode: 'enroll', subject: `shot-${lang}`, lang });
    await shot(page, `consent-${lang}`);
    if (lang === 'en') await page.screenshot({ path: join(out, 'demo.png') });
    await page.locator('face-verify [part~="accept"]').click();
    await shot(page, `consent-error-${lang}`);
    await accept(page);
    await step(page, 'guidance');
    await page.waitForTimeout(800);
    await shot(page, `guidance-${lang}`);
    await page.locator('face-verify [part~="cancel"]').click();
    await step(page, 'cancelled');
    await shot(page, `cancelled-${lang}`);
    await page.evaluate(() => document.querySelector('face-verify')!.withdrawConsent());
    await step(page, 'withdrawn');
    await shot(page, `withdrawn-${lang}`);

    await setup(page, demo.url, { mode: 'enroll', subject: `shot2-${lang}`, lang });
    await page.locator('face-verify [part~="decline"]').click();
    await step(page, 'declined');
    await shot(page, `declined-${lang}`);

    await setup(page, demo.url, { mode: 'verify', subject: `nobody-${lang}`, lang });
    await accept(page);
    await step(page, 'error');
    await shot(page, `error-${lang}`);

    const scripted = (mode: string, face: number) =>
      new URL(
        `/test-pages/element/index.html?${new URLSearchParams({
          endpoint: '/fv',
          mode,
          subject: `shot-r-${lang}`,
          lang,
          scripted: 'pass',
          face: String(face),
          model: embeddingModelId() ?? '',
          'act-ms': '1500',
        })}`,
        demo.url,
      ).href;
    await page.goto(scripted('enroll', 5));
    await step(page, 'consent');
    await accept(page);
    await page.waitForSelector('face-verify[step="challenges"][challenge]', { timeout: 60_000 });
    await shot(page, `challenges-${lang}`);
    await step(page, 'result');
    await shot(page, `result-enrolled-${lang}`);
    for (const [face, name] of [
      [5, 'match'],
      [6, 'no-match'],
    ] as const) {
      await page.goto(scripted('verify', face));
      // Consent for this policy and purpose is on file after the first verify: Start instead.
      await page.waitForSelector('face-verify[step="consent"], face-verify [part~="start"]');
      if ((await page.locator('face-verify').getAttribute('step')) === 'consent')
        await accept(page);
      else await page.locator('face-verify [part~="start"]').click();
      await step(page, 'result');
      await shot(page, `result-${name}-${lang}`);
    }
  }
} finally {
  await browser.close();
  await demo.close();
  rmSync(data, { recursive: true, force: true });
}
