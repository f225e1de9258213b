import type { Browser, BrowserContext, Page } from '@playwright/test';
import type { FakeCamera } from '../src/testing/index';
import { begin, el, openHost, outcome, shot, type HostParams } from './support/flow';
import { pageOrigin } from './support/ports';
import { expect, test } from './support/test';

// A person uses two browsers. Each browser context is its own profile (its own IndexedDB, so its
// own non-extractable device key). Enrol on the first; the second is refused with a reason until
// the person adds it through an add-device grant; then it verifies. A third, never added,
// profile keeps getting the reason. Real element, models and endpoint; the camera is a puppet.

test.describe.configure({ mode: 'serial' });

const subject = `u-devices-${Date.now().toString(36)}`;
const profiles: BrowserContext[] = [];

async function profile(browser: Browser): Promise<BrowserContext> {
  const c = await browser.newContext({ baseURL: pageOrigin });
  profiles.push(c);
  return c;
}

async function run(
  context: BrowserContext,
  fakeCamera: FakeCamera,
  params: HostParams,
): Promise<{ page: Page; result: Awaited<ReturnType<typeof outcome>> }> {
  const page = await context.newPage();
  await fakeCamera.puppet(page, await fakeCamera.face('eve'));
  await openHost(page, params);
  await begin(page);
  return { page, result: await outcome(page) };
}

let first: BrowserContext;
let second: BrowserContext;

test.afterAll(async () => {
  for (const c of profiles) await c.close();
});

test('enrol on the first profile; the second is refused with a human reason', async ({
  browser,
  fakeCamera,
}, info) => {
  first = await profile(browser);
  second = await profile(browser);
  const enrolled = await run(first, fakeCamera, { mode: 'enroll', subject });
  expect(enrolled.result, enrolled.result.text).toMatchObject({ decision: 'enrolled' });
  const refused = await run(second, fakeCamera, { mode: 'verify', subject });
  await shot(refused.page, info, 'device-not-registered');
  expect(refused.result, refused.result.text).toMatchObject({
    step: 'error',
    code: 'device-not-registered',
  });
  await expect(el(refused.page).locator('[part~="reason"]')).toContainText(
    /not registered for your account/,
  );
});

test('add the second profile through an add-device grant, then it verifies', async ({
  fakeCamera,
}, info) => {
  const added = await run(second, fakeCamera, { mode: 'add-device', subject });
  await shot(added.page, info, 'device-added');
  expect(added.result, added.result.text).toMatchObject({ step: 'result', decision: 'match' });
  const verified = await run(second, fakeCamera, { mode: 'verify', subject });
  expect(verified.result, verified.result.text).toMatchObject({ decision: 'match' });
  // That the first device keeps working beside it is asserted below the page
  // (src/server/attacks.test.ts), which keeps this suite's run time down.
});

test('a profile that was never added still gets the reason', async ({ browser, fakeCamera }) => {
  const third = await profile(browser);
  const refused = await run(third, fakeCamera, { mode: 'verify', subject });
  expect(refused.result, refused.result.text).toMatchObject({
    step: 'error',
    code: 'device-not-registered',
  });
});
