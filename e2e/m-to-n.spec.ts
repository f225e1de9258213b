import type { BrowserContext, Page } from '@playwright/test';
import type { PreparedFace } from '../scripts/fake-camera/clip';
import { captureRequests, expectNoImageDataLeft, type CapturedRequest } from '../src/testing/index';
import { samplePeople } from '../src/testing/photos';
import { startE2eEndpoint, type E2eEndpoint } from './support/endpoint';
import { begin, el, events, openHost, outcome, shot, type HostParams } from './support/flow';
import { pageOrigin, privateApiOrigin, PRIVATE_API_PORT } from './support/ports';
import { expect, test } from './support/test';

// M:N: two people enrolled, then one capture showing both (the kit's 'pair' look: eve near the
// centre, fay beside her) identified with `multi-face`. The look animates both, but only eve's
// face is checked by the challenges; both faces are embedded and searched in one sealed submission. A private endpoint keeps the library
// to these two people (the suite's shared one may hold the same faces under other subjects).

test.describe.configure({ mode: 'serial' });

let context: BrowserContext;
let requests: CapturedRequest[];
let endpoint: E2eEndpoint;
const run = Date.now().toString(36);
const subject = (name: string): string => `mn-${name}-${run}`;

test.beforeAll(async ({ browser }) => {
  endpoint = await startE2eEndpoint({ origins: [pageOrigin], port: PRIVATE_API_PORT });
  context = await browser.newContext({ baseURL: pageOrigin });
  requests = captureRequests(context);
});
test.afterAll(async () => {
  await context.close();
  await endpoint.close();
  expectNoImageDataLeft(requests, { origins: [pageOrigin, privateApiOrigin] });
});

async function flow(
  face: PreparedFace,
  params: HostParams,
  puppet: Parameters<import('../src/testing/index').FakeCamera['puppet']>[2],
  fakeCamera: import('../src/testing/index').FakeCamera,
): Promise<{ page: Page; result: Awaited<ReturnType<typeof outcome>> }> {
  const page = await context.newPage();
  const cam = await fakeCamera.puppet(page, face, puppet);
  await openHost(page, { ...params, endpoint: endpoint.url });
  await begin(page);
  const result = await outcome(page);
  expect((await cam.log()).live, 'camera stopped after the flow').toBe(0);
  return { page, result };
}

test('enrol two people', async ({ fakeCamera }, info) => {
  for (const person of ['eve', 'fay'] as const) {
    const { page, result } = await flow(
      await fakeCamera.face(person),
      { mode: 'enroll', subject: subject(person) },
      {},
      fakeCamera,
    );
    await shot(page, info, `enrolled-${person}`);
    expect(result, result.text).toMatchObject({ step: 'result', decision: 'enrolled' });
    await page.close();
  }
});

test('identify both faces of one capture (multi-face) → each face its own person', async ({
  fakeCamera,
}, info) => {
  // Framed wider than a selfie so that two people fit: eve the larger (primary) face.
  const second = await fakeCamera.face({ ...samplePeople.fay(), faceFraction: 0.19 });
  const { page, result } = await flow(
    await fakeCamera.face({ ...samplePeople.eve(), faceFraction: 0.22 }),
    { mode: 'identify', 'multi-face': true },
    { look: 'pair', second },
    fakeCamera,
  );
  await shot(page, info, 'identified-pair');
  expect(result, result.text).toMatchObject({ step: 'result', decision: 'match' });
  const r = (await events(page)).find((e) => e.type === 'fv-result')!.detail as {
    subject: string;
    faces: { subject: string | null; candidates: { subject: string; score: number }[] }[];
  };
  expect(r.faces, JSON.stringify(r.faces)).toHaveLength(2);
  expect(r.faces[0]!.candidates[0]!.subject).toBe(subject('eve'));
  expect(r.faces[1]!.candidates[0]!.subject).toBe(subject('fay'));
  expect(r.faces.map((f) => f.subject)).toEqual([subject('eve'), subject('fay')]);
  // The primary face keeps the single-face fields.
  expect(r.subject).toBe(subject('eve'));
  const list = el(page).locator('[part~="faces"] [part~="face"]');
  await expect(list).toHaveCount(2);
  await expect(list.nth(0)).toHaveAttribute('data-subject', subject('eve'));
  await expect(list.nth(1)).toHaveAttribute('data-subject', subject('fay'));
  await page.close();
});
