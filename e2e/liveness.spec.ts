import type { Page } from '@playwright/test';
import { startE2eEndpoint, type E2eEndpoint } from './support/endpoint';
import { begin, openHost, outcome, shot } from './support/flow';
import { pageOrigin, PRIVATE_API_PORT } from './support/ports';
import { expect, test } from './support/test';

// Challenge-response a recording cannot follow, with the element's default attributes: a
// genuine person (the puppet, who watches the prompts) enrols and verifies; a virtual camera
// looping a recording of every action in a fixed order (no screen artefacts, so only the
// challenges can stop it) is refused in every run, against different server orders.

test.describe.configure({ mode: 'serial' });
const subject = `u-liveness-${Date.now().toString(36)}`;

// Its own endpoint (default liveness policy and thresholds, host grants beside it), so the
// subject enrolled here is the one the recording tries to verify as.
let endpoint: E2eEndpoint;
test.beforeAll(async () => {
  endpoint = await startE2eEndpoint({
    origins: [pageOrigin],
    port: PRIVATE_API_PORT,
  });
});
test.afterAll(async () => endpoint?.close());

/** The order the endpoint issued to this page's session. */
function issuedOrder(page: Page): Promise<string> {
  return page
    .waitForResponse(
      (r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/v1/sessions',
      { timeout: 120_000 },
    )
    .then(async (r) => ((await r.json()) as { challenges: string[] }).challenges.join(','));
}

test('a genuine person enrols and then verifies', async ({ page, context, fakeCamera }, info) => {
  test.setTimeout(400_000);
  const face = await fakeCamera.face('ava');
  const cam = await fakeCamera.puppet(page, face);
  await openHost(page, { mode: 'enroll', subject, endpoint: endpoint.url });
  await begin(page);
  const enrolled = await outcome(page);
  expect(enrolled, enrolled.text).toMatchObject({ step: 'result', decision: 'enrolled' });
  expect((await cam.log()).performed.length).toBeGreaterThanOrEqual(3);

  const again = await context.newPage();
  await fakeCamera.puppet(again, face);
  await openHost(again, { mode: 'verify', subject, endpoint: endpoint.url });
  await begin(again);
  const verified = await outcome(again);
  await shot(again, info, 'genuine-verify');
  expect(verified, verified.text).toMatchObject({ step: 'result', decision: 'match' });
});

test('a looping recording of every action is refused in every run, whatever the order', async ({
  context,
  fakeCamera,
}, info) => {
  test.setTimeout(900_000);
  const face = await fakeCamera.face('ava');
  const orders = new Map<string, string>();
  for (let run = 0; run < 12 && orders.size < 5; run++) {
    const page = await context.newPage();
    await fakeCamera.puppet(page, face, { mode: 'loop', loop: 'recording' });
    const order = issuedOrder(page);
    await openHost(page, { mode: 'verify', subject, endpoint: endpoint.url });
    await begin(page);
    const r = await outcome(page);
    if (run === 0) await shot(page, info, 'recording-refused');
    expect(r, `${await order}: ${r.text}`).toMatchObject({
      step: 'error',
      code: 'liveness-failed',
    });
    // Why it failed (early / wrong / timeout) is in the fv-error message.
    orders.set(await order, /"message":"([^"]*)"/.exec(r.text)?.[1] ?? '');
    await page.close();
  }
  await info.attach('orders.json', {
    body: JSON.stringify(Object.fromEntries(orders), null, 1),
    contentType: 'application/json',
  });
  expect(orders.size).toBeGreaterThanOrEqual(5);
});

test('head-only set: a genuine person passes turns and a nod', async ({
  page,
  fakeCamera,
}, info) => {
  test.setTimeout(300_000);
  const cam = await fakeCamera.puppet(page, await fakeCamera.face('fay'));
  const order = issuedOrder(page);
  await openHost(page, {
    mode: 'enroll',
    subject: `u-head-${Date.now().toString(36)}`,
    endpoint: endpoint.url,
    'challenge-set': 'head',
  });
  await begin(page);
  const r = await outcome(page);
  await shot(page, info, 'head-set-enrolled');
  expect((await order).split(',').sort()).toEqual(['nod', 'turn-left', 'turn-right']);
  expect(r, r.text).toMatchObject({ step: 'result', decision: 'enrolled' });
  expect((await cam.log()).performed.map((p) => p.played)).toContain('nod');
});
