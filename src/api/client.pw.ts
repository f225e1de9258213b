// Browser side of the protocol in real Chromium: the non-extractable device key lives in
// IndexedDB across reloads, the page seals and signs with WebCrypto, and the server code (the
// real app over a real SQLite store, in this Node process) opens and verifies it.

import { expect, test } from '@playwright/test';
import { grantFor, harness, unitVector, type Harness } from '../server/testing';

const PAGE = '/test-pages/crypto/index.html';
const ORIGIN = 'http://127.0.0.1:5174';

let h: Harness;

test.beforeAll(async () => {
  h = await harness({ origins: [ORIGIN] });
  // The page signs with the browser's clock; the endpoint checks it against its own.
  h.clock.now = Date.now();
});
test.afterAll(async () => {
  await h?.close();
});

test.beforeEach(async ({ page }) => {
  // The host backend: decides who may open a session and mints the grant.
  await page.route(`${ORIGIN}/host/grant`, async (route) => {
    const r = JSON.parse(route.request().postData() ?? '{}') as {
      purpose: 'enroll' | 'verify' | 'identify' | 'rights';
      subjectId: string;
    };
    await route.fulfill({
      contentType: 'application/json',
      body: JSON.stringify({ grant: grantFor(h.app, r.purpose, r.subjectId || undefined) }),
    });
  });
  // Requests to /fv/* go to the endpoint app with the browser's own headers (Origin included).
  await page.route(`${ORIGIN}/fv/**`, async (route) => {
    const req = route.request();
    const url = new URL(req.url());
    const res = await h.app.request(url.pathname.slice('/fv'.length) + url.search, {
      method: req.method(),
      headers: await req.allHeaders(),
      ...(req.postData() !== null ? { body: req.postData() as string } : {}),
    });
    await route.fulfill({
      status: res.status,
      headers: Object.fromEntries(res.headers),
      body: Buffer.from(await res.arrayBuffer()),
    });
  });
  await page.goto(PAGE);
  await expect(page.locator('#status')).toHaveText('ready');
});

test('device key is non-extractable and survives a reload', async ({ page }) => {
  const first = await page.evaluate(() => window.cryptoTest.deviceKeyInfo());
  expect(first.extractable).toBe(false);
  expect(first.exportable).toBe(false);
  await page.reload();
  await expect(page.locator('#status')).toHaveText('ready');
  const second = await page.evaluate(() => window.cryptoTest.deviceKeyInfo());
  expect(second.publicKey).toBe(first.publicKey);
});

test('consent records, preferences and clear() on withdrawal', async ({ page }) => {
  const r = await page.evaluate(() => window.cryptoTest.localRecords());
  expect(r).toEqual({
    accepted: true,
    otherPolicy: false,
    camera: 'cam-42',
    afterClear: { consents: 0, camera: null, hasKey: false },
  });
});

test('sealed in the browser, opened by the server: enrol, verify, replay rejected', async ({
  page,
}) => {
  const v = Array.from(unitVector(5));
  const r = await page.evaluate(([vec]) => window.cryptoTest.flow('pw-alice', vec), [v] as const);
  expect(r.enrolled).toBe('pw-alice');
  expect(r.decision).toBe('match');
  expect(r.score).toBeGreaterThan(0.99);
  expect(r.replayCode).toBe('nonce_used');
  expect((await h.store.listTemplates('pw-alice')).length).toBe(1);
});

test('unreachable endpoint is a typed network error', async ({ page }) => {
  expect(await page.evaluate(() => window.cryptoTest.networkError())).toBe('network');
});
