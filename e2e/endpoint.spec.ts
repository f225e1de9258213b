import { begin, el, openHost, outcome, shot } from './support/flow';
import { apiOrigin, pageOrigin } from './support/ports';
import { expect, test } from './support/test';

// The endpoint's side of the flow: unreachable, then back; a captured submission replayed.

test('endpoint down → clear error; Retry works once it is back', async ({
  page,
  context,
  fakeCamera,
}, info) => {
  await fakeCamera.puppet(page, await fakeCamera.face('fay'));
  await context.route(`${apiOrigin}/**`, (route) => route.abort('connectionrefused'));
  await openHost(page, { mode: 'enroll', subject: `u-down-${Date.now()}` });
  await begin(page);
  const down = await outcome(page);
  await shot(page, info, 'endpoint-down');
  expect(down, down.text).toMatchObject({ step: 'error', code: 'endpoint-unreachable' });
  await expect(el(page).locator('[part~="reason"]')).toContainText(/connection|reach|network/i);

  await context.unroute(`${apiOrigin}/**`);
  await el(page).locator('[part~="retry"]').click();
  // Retry returns into the flow: to the consent form if that is where it failed.
  await expect(el(page)).not.toHaveAttribute('step', 'error');
  if (await el(page).locator('[part~="accept"], [part~="start"]').isVisible()) await begin(page);
  const back = await outcome(page);
  await shot(page, info, 'endpoint-back');
  expect(back, back.text).toMatchObject({ step: 'result', decision: 'enrolled' });
});

test('a captured submission replayed → rejected', async ({ page, fakeCamera, request }) => {
  await fakeCamera.puppet(page, await fakeCamera.face('fay'));
  await openHost(page, { mode: 'enroll', subject: `u-replay-${Date.now()}` });
  const submitted = page.waitForRequest(
    (r) => r.method() === 'POST' && new URL(r.url()).pathname === '/v1/enroll',
    { timeout: 200_000 },
  );
  await begin(page);
  const original = await submitted;
  const first = await outcome(page);
  expect(first, first.text).toMatchObject({ step: 'result', decision: 'enrolled' });

  // The attacker resends the exact bytes, from the allowed origin, after it was accepted.
  const headers = await original.allHeaders();
  const replay = await request.post(original.url(), {
    data: original.postDataBuffer()!,
    headers: {
      'content-type': headers['content-type'] ?? 'application/octet-stream',
      origin: pageOrigin,
    },
  });
  expect(replay.status()).toBeGreaterThanOrEqual(400);
  expect(replay.status()).toBeLessThan(500);
  const body = (await replay.json()) as { error?: { code?: string }; code?: string };
  expect(JSON.stringify(body)).toMatch(/nonce|replay|session/i);
});
