// `npm run screenshots`: starts the demo (endpoint + Vite, temporary data dir) and drives it in
// Debian's Chromium with the QA kit's puppet camera: a sample person (fay, from
// @vladmandic/face-api's MIT photos) who performs whatever the element asks. Every screen is the
// real flow against the real endpoint: consent, guidance with the face in the oval, a challenge
// being performed, enrolment, a match, a no-match (another person, ava, claiming fay's subject),
// and the consent/decline/cancel/withdraw/error screens. Saved to docs/screenshots/, in English
// and, where a CJK font is installed (fonts-noto-cjk), in Chinese.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { prepareFace, type PreparedFace } from './fake-camera/clip';
import { seedSampleFaces } from '../src/testing/face-seeds';
import { renderPuppetFrames } from '../src/testing/frames';
import { openKitLandmarkSession } from '../src/testing/landmarks';
import { chromiumPath, launchArgs } from '../src/testing/launch';
import { samplePeople, type SamplePersonName } from '../src/testing/photos';
import { puppetInit, routePuppetFrames, type PuppetConfig } from '../src/testing/puppet';
import { startDemo } from './start';

const out = new URL('../docs/screenshots/', import.meta.url).pathname;

/** The sample people's faces, measured once (cached under .cache/fake-camera). */
async function faces(names: SamplePersonName[]): Promise<Record<string, PreparedFace>> {
  seedSampleFaces();
  const held: { s: ReturnType<typeof openKitLandmarkSession> | null } = { s: null };
  try {
    const all: Record<string, PreparedFace> = {};
    for (const n of names) {
      all[n] = await prepareFace(samplePeople[n](), () => (held.s ??= openKitLandmarkSession()));
    }
    return all;
  } finally {
    if (held.s) await (await held.s).close();
  }
}

/** A page whose camera is the puppet showing `face` (frames routed same-origin). */
async function puppetPage(
  context: BrowserContext,
  face: PreparedFace,
  fail?: PuppetConfig['fail'],
): Promise<Page> {
  const page = await context.newPage();
  const config: PuppetConfig = {
    sequences: await routePuppetFrames(page, renderPuppetFrames(face, 'live')),
    mode: 'obey',
    reactionMs: 600,
    ...(fail ? { fail } : {}),
  };
  // tsx compiles with keepNames: functions handed to the page call esbuild's `__name` helper.
  await page.addInitScript({ content: 'globalThis.__name ??= (f) => f;' });
  await page.addInitScript(puppetInit, config);
  return page;
}

async function setup(page: Page, url: string, o: { mode: string; subject: string; lang: string }) {
  await page.goto(url);
  await page.check(`input[name="mode"][value="${o.mode}"]`);
  await page.fill('#subject', o.subject);
  await page.selectOption('#lang', o.lang);
  await page.selectOption('#backend', 'wasm');
  await page.click('#setup button[type="submit"]');
  // Consent, or Start when this subject's consent is already on file.
  await page.waitForSelector('face-verify[step="consent"], face-verify [part~="start"]');
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

/**
 * Waits for the result; a session that failed (on a loaded machine a prompt can time out more
 * often than the attempts allow) is retried, up to three sessions.
 */
async function result(page: Page) {
  for (let i = 0; i < 3; i++) {
    await page.waitForSelector('face-verify[step="result"], face-verify[step="error"]', {
      timeout: 180_000,
    });
    if ((await page.locator('face-verify').getAttribute('step')) === 'result') return;
    const code = await page.locator('face-verify [part~="error"]').getAttribute('data-code');
    console.log(`  (session failed: ${code}; again)`);
    await page.locator('face-verify [part~="retry"]').click();
  }
  throw new Error('no result after three sessions');
}

async function begin(page: Page) {
  if ((await page.locator('face-verify').getAttribute('step')) !== 'consent') {
    await page.locator('face-verify [part~="start"]').click();
    return;
  }
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

const people = await faces(['fay', 'ava']);
const data = mkdtempSync(join(tmpdir(), 'fv-shots-'));
mkdirSync(out, { recursive: true });
const demo = await startDemo({ demoPort: 5197, endpointPort: 8797, dataDir: data, quiet: true });
const browser = await chromium.launch({ executablePath: chromiumPath(), args: launchArgs() });
try {
  for (const lang of langs) {
    // One profile per language: its device key is the one bound at enrolment.
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await puppetPage(context, people['fay']!);
    const subject = `fay-${lang}`;

    await setup(page, demo.url, { mode: 'enroll', subject, lang });
    await shot(page, `consent-${lang}`);
    if (lang === 'en') await page.screenshot({ path: join(out, 'demo.png') });
    await page.locator('face-verify [part~="accept"]').click();
    await shot(page, `consent-error-${lang}`);
    await begin(page);
    await step(page, 'guidance');
    await shot(page, `guidance-${lang}`);
    // A prompt on screen, then the puppet part-way through the action.
    await page.waitForSelector('face-verify[step="challenges"][challenge]', { timeout: 60_000 });
    await page.waitForTimeout(900);
    await shot(page, `challenges-${lang}`);
    await result(page);
    await shot(page, `result-enrolled-${lang}`);

    await setup(page, demo.url, { mode: 'verify', subject, lang });
    await begin(page);
    await result(page);
    await shot(page, `result-match-${lang}`);

    // Someone else at the same device claims fay's subject.
    const other = await puppetPage(context, people['ava']!);
    await setup(other, demo.url, { mode: 'verify', subject, lang });
    await begin(other);
    await result(other);
    await shot(other, `result-no-match-${lang}`);
    await other.close();

    await setup(page, demo.url, { mode: 'enroll', subject: `cancel-${lang}`, lang });
    await begin(page);
    await step(page, 'guidance');
    await page.locator('face-verify [part~="cancel"]').click();
    await step(page, 'cancelled');
    await shot(page, `cancelled-${lang}`);
    await page.evaluate(() => document.querySelector('face-verify')!.withdrawConsent());
    await step(page, 'withdrawn');
    await shot(page, `withdrawn-${lang}`);

    await setup(page, demo.url, { mode: 'enroll', subject: `decline-${lang}`, lang });
    await page.locator('face-verify [part~="decline"]').click();
    await step(page, 'declined');
    await shot(page, `declined-${lang}`);

    // The error screen: the person refused the browser's camera permission.
    const denied = await puppetPage(context, people['fay']!, 'NotAllowedError');
    await setup(denied, demo.url, { mode: 'enroll', subject: `denied-${lang}`, lang });
    await begin(denied);
    await step(denied, 'error');
    await shot(denied, `error-${lang}`);
    await denied.close();
    await context.close();
  }
} finally {
  await browser.close();
  await demo.close();
  rmSync(data, { recursive: true, force: true });
}
