import AxeBuilder from '@axe-core/playwright';
import type { Page, TestInfo } from '@playwright/test';
import { begin, el, openHost, outcome, shot } from './support/flow';
import { expect, test } from './support/test';

// axe-core on every step the element shows, in both built-in languages, with a screenshot of
// each step attached to the report.

async function audit(page: Page, info: TestInfo, name: string): Promise<void> {
  await shot(page, info, name);
  const { violations } = await new AxeBuilder({ page }).include('face-verify').analyze();
  const summary = violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`);
  expect(summary, `${name}: axe violations`).toEqual([]);
}

for (const lang of ['en', 'zh-CN'] as const) {
  test.describe(lang, () => {
    test(`consent, capture, challenges and result pass axe (${lang})`, async ({
      page,
      fakeCamera,
    }, info) => {
      await fakeCamera.puppet(page, await fakeCamera.face('fay'));
      await openHost(page, { mode: 'enroll', subject: `u-a11y-${lang}-${Date.now()}`, lang });
      await expect(el(page).locator('[part~="accept"]')).toBeVisible();
      await audit(page, info, `${lang}-consent`);
      await begin(page);
      await expect(el(page)).toHaveAttribute('step', /guidance|challenges/, { timeout: 90_000 });
      await audit(page, info, `${lang}-guidance`);
      await expect(el(page)).toHaveAttribute('step', 'challenges', { timeout: 90_000 });
      await audit(page, info, `${lang}-challenge`);
      const r = await outcome(page);
      expect(r, r.text).toMatchObject({ step: 'result', decision: 'enrolled' });
      await audit(page, info, `${lang}-result`);
    });

    test(`declined and error screens pass axe (${lang})`, async ({ page, fakeCamera }, info) => {
      await fakeCamera.puppet(page, null, { fail: 'NotAllowedError' });
      await openHost(page, { mode: 'enroll', subject: 'u-a11y', lang });
      await el(page).locator('[part~="decline"]').click();
      await expect(el(page)).toHaveAttribute('step', 'declined');
      await audit(page, info, `${lang}-declined`);
      await el(page).locator('[part~="review"]').click();
      await begin(page);
      const r = await outcome(page);
      expect(r.code).toBe('permission-denied');
      await audit(page, info, `${lang}-error`);
    });
  });
}
