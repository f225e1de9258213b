import { startE2eEndpoint } from './support/endpoint';
import { begin, el, openHost, outcome, shot } from './support/flow';
import { pageOrigin, PRIVATE_API_PORT } from './support/ports';
import { expect, test } from './support/test';

// Quality guidance on bad captures: several faces, no face. The element has no guidance timeout
// of its own; the session's expiry ends a capture that never becomes usable.

test('two faces in view → "more than one face" guidance, no challenge starts', async ({
  page,
  fakeCamera,
}, info) => {
  const second = await fakeCamera.face('fay');
  await fakeCamera.puppet(page, await fakeCamera.face('ava'), { look: 'two-faces', second });
  await openHost(page, { mode: 'enroll', subject: `u-two-${Date.now()}` });
  await begin(page);
  const prompt = el(page).locator('[part~="prompt"]');
  await expect(prompt).toHaveText('More than one face. Only one person should be in view.', {
    timeout: 90_000,
  });
  await shot(page, info, 'two-faces');
  await page.waitForTimeout(3000);
  await expect(el(page)).toHaveAttribute('step', 'guidance');
  await expect(prompt).toHaveAttribute('aria-live', 'polite');
});

test('no face → "no face" guidance, then the session times out', async ({
  page,
  fakeCamera,
}, info) => {
  // A private endpoint with a 15 s session so the expiry comes quickly.
  const endpoint = await startE2eEndpoint({
    origins: [pageOrigin],
    port: PRIVATE_API_PORT,
    config: { sessionTtlMs: 15_000 },
  });
  try {
    await fakeCamera.puppet(page, null, { look: 'no-face' });
    await openHost(page, {
      mode: 'enroll',
      subject: `u-none-${Date.now()}`,
      endpoint: endpoint.url,
    });
    await begin(page);
    await expect(el(page).locator('[part~="prompt"]')).toHaveText(
      'No face found. Look at the camera.',
      { timeout: 90_000 },
    );
    await shot(page, info, 'no-face');
    const r = await outcome(page);
    await shot(page, info, 'no-face-expired');
    expect(r, r.text).toMatchObject({ step: 'error', code: 'session-expired' });
  } finally {
    await page.close();
    await endpoint.close();
  }
});
