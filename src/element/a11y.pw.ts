import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { startEndpoint, type TestEndpoint } from '../../test-pages/element/endpoint';
import { fakeCamera, openElement } from '../../test-pages/element/support';
import type { FvWindow } from '../../test-pages/element/support';

// axe-core on every step reachable with Chromium's fake camera (no face), in both languages.
// Result screens need a face and are covered by the QA kit's puppet camera.

const ORIGIN = 'http://127.0.0.1:5174';
let endpoint: TestEndpoint;

test.use({ launchOptions: fakeCamera });
test.beforeAll(async () => {
  endpoint = await startEndpoint([ORIGIN]);
});
test.afterAll(async () => {
  await endpoint.close();
});

async function axe(page: Page, label: string) {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  const summary = results.violations.map(
    (v) => `${label}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
  expect(summary).toEqual([]);
}

const LABELS = {
  en: { accept: 'Accept and continue', decline: 'Decline', cancel: 'Cancel', retry: 'Try again' },
  'zh-CN': { accept: '同意并继续', decline: '不同意', cancel: '取消', retry: '重试' },
} as const;

for (const lang of ['en', 'zh-CN'] as const) {
  const L = LABELS[lang];

  test(`${lang}: consent (plain and with guardian), its error, declined`, async ({ page }) => {
    await openElement(page, {
      endpoint: endpoint.url,
      subject: `a11y-${lang}-1`,
      lang,
      mode: 'enroll',
      'require-guardian': true,
      policy: 'Example policy text for the accessibility test.',
    });
    const el = page.locator('face-verify');
    await axe(page, 'consent');
    await el.locator('details summary').click();
    await axe(page, 'consent with policy open');
    await el.getByRole('button', { name: L.accept }).click();
    await expect(el.getByRole('alert')).not.toBeEmpty();
    await axe(page, 'consent error');
    await el.getByRole('button', { name: L.decline }).click();
    await expect(el).toHaveAttribute('step', 'declined');
    await axe(page, 'declined');
  });

  test(`${lang}: camera, guidance, cancelled, idle, withdrawn, error`, async ({ page }) => {
    await openElement(page, {
      endpoint: endpoint.url,
      subject: `a11y-${lang}-2`,
      lang,
      mode: 'enroll',
    });
    const el = page.locator('face-verify');
    await el.getByRole('checkbox').check();
    await el.getByRole('button', { name: L.accept }).click();
    await expect(el).toHaveAttribute('step', /permission|camera/);
    await axe(page, 'permission/camera');
    await expect(el).toHaveAttribute('step', 'guidance', { timeout: 60_000 });
    await axe(page, 'guidance');
    await el.getByRole('button', { name: L.cancel }).click();
    await expect(el).toHaveAttribute('step', 'cancelled');
    await axe(page, 'cancelled');

    await page.evaluate(() => (window as unknown as FvWindow).fv.reset());
    await expect(el).toHaveAttribute('step', 'idle');
    await axe(page, 'idle');

    await page.evaluate(() => (window as unknown as FvWindow).fv.withdrawConsent());
    await expect(el).toHaveAttribute('step', 'withdrawn');
    await axe(page, 'withdrawn');

    endpoint.setDown(true);
    try {
      await page.evaluate(() => (window as unknown as FvWindow).fv.start());
      await el.getByRole('checkbox').check();
      await el.getByRole('button', { name: L.accept }).click();
      await expect(el).toHaveAttribute('step', 'error');
      await axe(page, 'error');
    } finally {
      endpoint.setDown(false);
    }
  });
}

test('prefers-reduced-motion turns transitions and the spinner animation off', async ({ page }) => {
  await page.emulateMedia({ reducedMotion: 'reduce' });
  await openElement(page, { endpoint: endpoint.url, subject: 'a11y-motion', lang: 'en' });
  const el = page.locator('face-verify');
  expect(
    await el.evaluate((e) => getComputedStyle(e).getPropertyValue('--fv-transition').trim()),
  ).toBe('0s');
  await page.emulateMedia({ reducedMotion: 'no-preference' });
  expect(
    await el.evaluate((e) => getComputedStyle(e).getPropertyValue('--fv-transition').trim()),
  ).not.toBe('0s');
});
