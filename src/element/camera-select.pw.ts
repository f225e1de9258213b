import { expect, test } from '@playwright/test';
import { chromiumArgs, chromiumPath } from '../../e2e/support/chromium';
import { startEndpoint, type TestEndpoint } from '../../test-pages/element/endpoint';
import { localData, openElement } from '../../test-pages/element/support';

// Two fake cameras: the element offers a chooser, switches, and remembers the choice.

const ORIGIN = 'http://127.0.0.1:5174';
let endpoint: TestEndpoint;

test.use({
  launchOptions: {
    executablePath: chromiumPath,
    args: [
      ...chromiumArgs,
      '--use-fake-device-for-media-stream=device-count=2',
      '--use-fake-ui-for-media-stream',
    ],
  },
});
test.beforeAll(async () => {
  endpoint = await startEndpoint([ORIGIN]);
});
test.afterAll(async () => {
  await endpoint.close();
});

const liveDevice = () =>
  (window as unknown as { gumStreams: MediaStream[] }).gumStreams
    .flatMap((s) => s.getVideoTracks())
    .filter((t) => t.readyState === 'live')
    .map((t) => t.getSettings().deviceId ?? '');

test('camera chooser switches device, stops the old track and remembers the choice', async ({
  page,
}) => {
  const params = { endpoint: endpoint.url, subject: 'sel-1', lang: 'en', mode: 'enroll' };
  await openElement(page, params);
  const el = page.locator('face-verify');
  await el.getByRole('checkbox').check();
  await el.locator('[part~="accept"]').click();
  await expect(el).toHaveAttribute('step', 'guidance', { timeout: 60_000 });
  const select = el.getByRole('combobox', { name: 'Camera' });
  await expect(select.locator('option')).toHaveCount(2);
  const [first] = await page.evaluate(liveDevice);
  const other = await select.evaluate(
    (s: HTMLSelectElement, current) =>
      [...s.options].map((o) => o.value).find((v) => v !== current)!,
    first,
  );
  await select.selectOption(other);
  await expect.poll(() => page.evaluate(liveDevice)).toEqual([other]);
  expect((await localData(page)).prefs).toBe(1);

  // Next time the remembered camera opens first.
  await el.locator('[part~="cancel"]').click();
  await openElement(page, params, 'idle');
  await el.locator('[part~="start"]').click();
  await expect(el).toHaveAttribute('step', 'guidance', { timeout: 60_000 });
  expect(await page.evaluate(liveDevice)).toEqual([other]);
});
