import { expect, test } from '@playwright/test';
import { startEndpoint, type TestEndpoint } from '../../test-pages/element/endpoint';
import {
  fakeCamera,
  localData,
  mediaInfo,
  openElement,
  recordedEvents,
} from '../../test-pages/element/support';
import type { FvWindow } from '../../test-pages/element/support';

// Consent screen in real Chromium with the fake camera available: nothing may be collected
// before Accept, and the decision is recorded as REQUIREMENTS.md asks.

const ORIGIN = 'http://127.0.0.1:5174';
let endpoint: TestEndpoint;

test.use({ launchOptions: fakeCamera });
test.beforeAll(async () => {
  endpoint = await startEndpoint([ORIGIN]);
});
test.afterAll(async () => {
  await endpoint.close();
});

test('decline never calls getUserMedia, stores and sends nothing, and offers a way back', async ({
  page,
}) => {
  const before = endpoint.requests.length;
  const assets: string[] = [];
  page.on('request', (r) => {
    if (/^\/(models|runtime)\//.test(new URL(r.url()).pathname)) assets.push(r.url());
  });
  await openElement(page, { endpoint: endpoint.url, subject: 'u-decline', lang: 'en' });
  const el = page.locator('face-verify');
  await el.getByRole('button', { name: 'Decline' }).click();
  await expect(el).toHaveAttribute('step', 'declined');
  await expect(el.getByRole('heading', { name: 'No consent given' })).toBeFocused();
  await expect(el.locator('slot[name="alternative"]')).toHaveCount(1);
  await page.waitForTimeout(500);
  expect((await mediaInfo(page)).gumCalls).toBe(0);
  expect(await localData(page)).toEqual({ consents: 0, keys: 0, prefs: 0 });
  expect(endpoint.requests.length).toBe(before);
  // No model or runtime was even fetched, let alone run.
  expect(assets).toEqual([]);
  const consent = (await recordedEvents(page)).filter((e) => e.type === 'fv-consent');
  expect(consent.map((e) => e.detail['action'])).toEqual(['declined']);
  // Review consent returns to the consent screen, still without the camera.
  await el.getByRole('button', { name: 'Review consent again' }).click();
  await expect(el).toHaveAttribute('step', 'consent');
  expect((await mediaInfo(page)).gumCalls).toBe(0);
});

test('the consent text lists purposes and data; the sensitive box starts unticked', async ({
  page,
}) => {
  await openElement(page, { endpoint: endpoint.url, subject: 'u-1', lang: 'en', mode: 'verify' });
  const el = page.locator('face-verify');
  await expect(el.locator('[part="purposes"]')).toContainText('verify that you are');
  const data = el.locator('[part="data-list"]');
  await expect(data).toContainText('processed only on this device');
  await expect(data).toContainText('face feature vector');
  await expect(data).toContainText('returned to the operator');
  await expect(el.getByRole('checkbox')).toHaveCount(1);
  await expect(el.getByRole('checkbox')).not.toBeChecked();
});

test('Accept without the sensitive-data box explains why and collects nothing', async ({
  page,
}) => {
  await openElement(page, { endpoint: endpoint.url, subject: 'u-2', lang: 'en' });
  const el = page.locator('face-verify');
  await el.getByRole('button', { name: 'Accept and continue' }).click();
  await expect(el.getByRole('alert')).toContainText('Tick the sensitive-information box');
  await expect(el.getByRole('checkbox')).toBeFocused();
  await expect(el).toHaveAttribute('step', 'consent');
  expect((await mediaInfo(page)).gumCalls).toBe(0);
  expect((await localData(page)).consents).toBe(0);
});

test('require-guardian adds a second box that must be ticked too', async ({ page }) => {
  await openElement(page, {
    endpoint: endpoint.url,
    subject: 'u-3',
    lang: 'en',
    'require-guardian': true,
  });
  const el = page.locator('face-verify');
  await expect(el.getByRole('checkbox')).toHaveCount(2);
  await el.getByRole('checkbox', { name: /sensitive personal information/ }).check();
  await el.getByRole('button', { name: 'Accept and continue' }).click();
  await expect(el.getByRole('alert')).toContainText('parent or guardian must confirm');
  await expect(el.getByRole('checkbox', { name: /parent or guardian/ })).toBeFocused();
  expect((await mediaInfo(page)).gumCalls).toBe(0);
});

test('keyboard only: Tab to the box, Space, Enter accepts; the record is kept and sent', async ({
  page,
}) => {
  await openElement(page, {
    endpoint: endpoint.url,
    subject: 'u-keys',
    lang: 'en',
    mode: 'enroll',
  });
  const el = page.locator('face-verify');
  const box = el.getByRole('checkbox');
  // Tab from the page start until the checkbox has focus (policy summary comes first).
  for (let i = 0; i < 10 && !(await box.evaluate((b) => b.matches(':focus'))); i++) {
    await page.keyboard.press('Tab');
  }
  await expect(box).toBeFocused();
  await page.keyboard.press('Space');
  await expect(box).toBeChecked();
  await page.keyboard.press('Tab');
  await expect(el.getByRole('button', { name: 'Accept and continue' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(el).not.toHaveAttribute('step', 'consent');
  await expect.poll(async () => (await mediaInfo(page)).gumCalls).toBe(1);
  const consent = (await recordedEvents(page)).filter((e) => e.type === 'fv-consent');
  expect(consent[0]?.detail).toMatchObject({ action: 'accepted', sensitive: true, mode: 'enroll' });
  expect(String(consent[0]?.detail['policyVersion'])).toMatch(/^[0-9a-f]{64}$/);
  expect((await localData(page)).consents).toBe(1);
  expect(endpoint.requests.some((r) => r.path === '/v1/consents')).toBe(true);
  // Focus followed the step: the new step's heading has it.
  await expect(el.locator('h2')).toBeFocused();
  await el.getByRole('button', { name: 'Cancel' }).click();
  await expect(el).toHaveAttribute('step', 'cancelled');
  await expect.poll(async () => (await mediaInfo(page)).liveTracks).toBe(0);
});

test('same policy skips consent next time; a changed policy text asks again', async ({ page }) => {
  const base = {
    endpoint: endpoint.url,
    subject: 'u-policy',
    lang: 'en',
    mode: 'enroll',
    policy: 'Policy v1.',
  };
  await openElement(page, base);
  const el = page.locator('face-verify');
  await el.getByRole('checkbox').check();
  await el.getByRole('button', { name: 'Accept and continue' }).click();
  await expect(el).not.toHaveAttribute('step', 'consent');
  await el.getByRole('button', { name: 'Cancel' }).click();

  // Reload with the same text: consent is on file, the element waits for Start (no camera).
  await openElement(page, base, 'idle');
  expect((await mediaInfo(page)).gumCalls).toBe(0);
  await expect(el.getByRole('button', { name: 'Start' })).toBeVisible();

  // Changed text: a new SHA-256, consent is asked again.
  await openElement(page, { ...base, policy: 'Policy v2, changed.' }, 'consent');
  expect((await mediaInfo(page)).gumCalls).toBe(0);
});

test('zh-CN consent screen is in Chinese with an English fallback for overrides', async ({
  page,
}) => {
  await openElement(page, { endpoint: endpoint.url, subject: 'u-zh', lang: 'zh-CN' });
  const el = page.locator('face-verify');
  await expect(el.getByRole('button', { name: '同意并继续' })).toBeVisible();
  await expect(el.getByRole('button', { name: '不同意' })).toBeVisible();
  await expect(el.locator('[lang="zh-CN"]')).toHaveCount(1);
  await page.evaluate(() => {
    (window as unknown as FvWindow).fv.strings = { 'consent.accept': '我同意' };
  });
  await expect(el.getByRole('button', { name: '我同意' })).toBeVisible();
});
