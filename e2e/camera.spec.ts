import { begin, el, openHost, outcome, shot } from './support/flow';
import { apiOrigin, pageOrigin } from './support/ports';
import { expect, test } from './support/test';

// Consent and camera failures: nothing is collected before Accept, and camera problems end in
// a clear, distinct state with a way back.

test('consent declined → getUserMedia is never called and nothing is sent', async ({
  page,
  fakeCamera,
  requests,
}, info) => {
  const cam = await fakeCamera.puppet(page, await fakeCamera.face('fay'));
  await openHost(page, { mode: 'verify', subject: 'u-decline' });
  await el(page).locator('[part~="decline"]').click();
  await expect(el(page)).toHaveAttribute('step', 'declined');
  await shot(page, info, 'declined');
  await page.waitForTimeout(1500);
  expect((await cam.log()).calls).toBe(0);
  // While the consent screen is read, only the static models and runtimes may be fetched
  // (docs/inference.md): nothing reaches the endpoint and nothing carries a body.
  const others = requests.filter(
    (r) =>
      !(
        (r.method === 'GET' || r.method === 'HEAD') &&
        new URL(r.url).origin === pageOrigin &&
        (/^\/(models|runtime)\//.test(new URL(r.url).pathname) || r.resourceType !== 'fetch')
      ),
  );
  expect(others).toEqual([]);
  expect(requests.filter((r) => new URL(r.url).origin === apiOrigin)).toEqual([]);
});

test('camera permission denied → "permission-denied" with Retry', async ({
  page,
  fakeCamera,
}, info) => {
  const cam = await fakeCamera.puppet(page, null, { fail: 'NotAllowedError' });
  await openHost(page, { mode: 'enroll', subject: 'u-denied' });
  await begin(page);
  const r = await outcome(page);
  await shot(page, info, 'permission-denied');
  expect(r, r.text).toMatchObject({ step: 'error', code: 'permission-denied' });
  expect((await cam.log()).calls).toBe(1);
  await expect(el(page).locator('[part~="retry"]')).toBeVisible();
});

test('no camera → "no-camera"', async ({ page, fakeCamera }, info) => {
  await fakeCamera.puppet(page, null, { fail: 'NotFoundError' });
  await openHost(page, { mode: 'enroll', subject: 'u-nocam' });
  await begin(page);
  const r = await outcome(page);
  await shot(page, info, 'no-camera');
  expect(r, r.text).toMatchObject({ step: 'error', code: 'no-camera' });
});
