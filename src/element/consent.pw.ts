import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';

// Counts getUserMedia calls from page start, before any page script runs.
const countGum = () => {
  const w = window as unknown as { gumCalls: number };
  w.gumCalls = 0;
  const md = navigator.mediaDevices;
  if (md) {
    const original = md.getUserMedia.bind(md);
    md.getUserMedia = (c?: MediaStreamConstraints) => {
      w.gumCalls++;
      return original(c);
    };
  }
};

async function open(page: Page, query: string) {
  await page.addInitScript(countGum);
  await page.goto(`/test-pages/element/index.html?${query}`);
  await expect(page.locator('face-verify')).toHaveAttribute('step', 'consent');
}

const events = (page: Page) =>
  page.evaluate(
    () => (window as unknown as { fvEvents: { type: string; detail: any }[] }).fvEvents,
  );

test('decline never calls getUserMedia and ends with nothing collected', async ({ page }) => {
  await open(page, 'endpoint=/fv&subject=u-1&lang=en');
  const el = page.locator('face-verify');
  await el.getByRole('button', { name: 'Decline' }).click();
  await expect(el).toHaveAttribute('step', 'declined');
  await expect(el.getByRole('heading', { name: 'No consent given' })).toBeFocused();
  await page.waitForTimeout(300);
  expect(await page.evaluate(() => (window as any).gumCalls)).toBe(0);
  const consent = (await events(page)).filter((e) => e.type === 'fv-consent');
  expect(consent).toHaveLength(1);
  expect(consent[0]!.detail.action).toBe('declined');
  // Nothing stored: no consent database content.
  const stored = await page.evaluate(async () => {
    const dbs = await indexedDB.databases();
    return dbs.map((d) => d.name);
  });
  expect(stored).not.toContain('face-verify-consents');
});
