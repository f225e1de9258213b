import type { BrowserContext, Page } from '@playwright/test';
import { captureRequests, expectNoImageDataLeft, type CapturedRequest } from '../src/testing/index';
import { begin, el, events, openHost, outcome, shot, type HostParams } from './support/flow';
import { apiOrigin, pageOrigin } from './support/ports';
import { expect, test } from './support/test';

// Enrol several people, verify one, reject another, identify among them. One browser context
// for all steps: the device key registered at enrolment must sign the later checks (device
// binding is on, as in production). Real element, real models, real endpoint; only the camera
// is a puppet showing a face that performs whatever the server asks.

test.describe.configure({ mode: 'serial' });

let context: BrowserContext;
let requests: CapturedRequest[];
const run = Date.now().toString(36);
const subject = (name: string): string => `u-${name}-${run}`;

test.beforeAll(async ({ browser }) => {
  context = await browser.newContext({ baseURL: pageOrigin });
  requests = captureRequests(context);
});
test.afterAll(async () => {
  await context.close();
  expectNoImageDataLeft(requests, { origins: [pageOrigin, apiOrigin] });
});

async function flow(
  fakeCamera: import('../src/testing/index').FakeCamera,
  person: 'fay' | 'eve' | 'ava',
  params: HostParams,
): Promise<{ page: Page; result: Awaited<ReturnType<typeof outcome>> }> {
  const page = await context.newPage();
  const cam = await fakeCamera.puppet(page, await fakeCamera.face(person));
  await openHost(page, params);
  await begin(page);
  const result = await outcome(page);
  const log = await cam.log();
  expect(log.live, 'camera stopped after the flow').toBe(0);
  return { page, result };
}

test('enrol three people', async ({ fakeCamera }, info) => {
  for (const person of ['fay', 'eve', 'ava'] as const) {
    const { page, result } = await flow(fakeCamera, person, {
      mode: 'enroll',
      subject: subject(person),
    });
    await shot(page, info, `enrolled-${person}`);
    expect(result, result.text).toMatchObject({ step: 'result', decision: 'enrolled' });
    await page.close();
  }
});

test('verify the same person → match', async ({ fakeCamera }, info) => {
  const { page, result } = await flow(fakeCamera, 'fay', {
    mode: 'verify',
    subject: subject('fay'),
  });
  await shot(page, info, 'match');
  expect(result, result.text).toMatchObject({ step: 'result', decision: 'match' });
  const r = (await events(page)).find((e) => e.type === 'fv-result')!.detail;
  expect(r['score']).toBeGreaterThan(r['threshold'] as number);
  await page.close();
});

test('verify a different person → no match, with another way offered', async ({
  fakeCamera,
}, info) => {
  const { page, result } = await flow(fakeCamera, 'eve', {
    mode: 'verify',
    subject: subject('fay'),
  });
  await shot(page, info, 'no-match');
  expect(result, result.text).toMatchObject({ step: 'result', decision: 'no-match' });
  const r = (await events(page)).find((e) => e.type === 'fv-result')!.detail;
  // The endpoint reveals no score below the threshold (nothing to climb towards a template).
  expect(r['score']).toBeNull();
  await expect(el(page).locator('[part~="alternative"]')).toBeVisible();
  await page.close();
});

test('identify among several enrolled people → the right one', async ({ fakeCamera }, info) => {
  const { page, result } = await flow(fakeCamera, 'ava', { mode: 'identify' });
  await shot(page, info, 'identified');
  expect(result, result.text).toMatchObject({ step: 'result', decision: 'match' });
  const r = (await events(page)).find((e) => e.type === 'fv-result')!.detail;
  // Ava by whichever enrolment: a retry of this serial group enrols everyone again under new ids
  // into the same database, and identify may rightly name Ava's earlier record.
  expect(r['subject']).toMatch(/^u-ava-/);
  await page.close();
});
