import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import {
  embeddingModelId,
  startEndpoint,
  type TestEndpoint,
} from '../../test-pages/element/endpoint';
import {
  fakeCamera,
  mediaInfo,
  openElement,
  recordedEvents,
} from '../../test-pages/element/support';

// Challenge, extraction, submission and result screens. Chromium's fake camera has no face, so
// "what the models saw" is scripted (test-pages/element/scripted-engine.ts); the camera, the
// endpoint client, HPKE sealing, device signatures and the endpoint itself are all real.

const ORIGIN = 'http://127.0.0.1:5174';
let endpoint: TestEndpoint;
const model = embeddingModelId();

test.use({ launchOptions: fakeCamera });
test.beforeAll(async () => {
  endpoint = await startEndpoint([ORIGIN]);
});
test.afterAll(async () => {
  await endpoint.close();
});

type Params = Record<string, string | true>;

async function run(page: Page, params: Params, expectStep = 'consent') {
  await openElement(page, { endpoint: endpoint.url, lang: 'en', model, ...params }, expectStep);
  const el = page.locator('face-verify');
  if (expectStep === 'consent') {
    await el.getByRole('checkbox').check();
    await el.locator('[part~="accept"]').click();
  } else {
    await el.locator('[part~="start"]').click();
  }
}

async function finalStep(page: Page) {
  const el = page.locator('face-verify');
  await expect(el).toHaveAttribute('step', /result|error/, { timeout: 60_000 });
  return el.getAttribute('step');
}

async function axe(page: Page, label: string) {
  const r = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'best-practice'])
    .analyze();
  expect(
    r.violations.map((v) => `${label}: ${v.id} ${v.nodes.map((n) => n.target).join(',')}`),
  ).toEqual([]);
}

test('enrol: guidance → each server-issued challenge → extracting → submitting → enrolled; then verify the same face → match', async ({
  page,
}) => {
  const subject = `flow-${Date.now()}`;
  await run(page, { mode: 'enroll', subject, scripted: 'pass', face: '7' });
  const el = page.locator('face-verify');
  await expect(el).toHaveAttribute('step', 'guidance', { timeout: 60_000 });
  await expect(el.locator('[part~="prompt"]')).toContainText('No face found');

  // The puppet-camera contract: `challenge` names the action asked, in the server's order.
  await expect(el).toHaveAttribute('step', 'challenges', { timeout: 30_000 });
  await expect(el).toHaveAttribute('challenge', /blink|turn-left|turn-right|open-mouth/);
  await expect(el.locator('[part~="challenge-progress"]')).toHaveText('Step 1 of 3');
  await axe(page, 'challenges');
  await expect(el).toHaveAttribute('step', 'result', { timeout: 60_000 });
  await expect(el.locator('[part~="result"]')).toHaveAttribute('data-decision', 'enrolled');
  await expect(el.getByRole('heading', { name: 'Enrolled' })).toBeFocused();
  await axe(page, 'enrolled');
  expect((await mediaInfo(page)).liveTracks).toBe(0);

  const ev = await recordedEvents(page);
  const asked = ev
    .filter((e) => e.type === 'fv-step' && e.detail['challenge'])
    .map((e) => e.detail['challenge']);
  expect(asked).toHaveLength(3);
  expect(new Set(asked).size).toBe(3);
  const steps = [...new Set(ev.filter((e) => e.type === 'fv-step').map((e) => e.detail['step']))];
  expect(steps).toEqual([
    'consent',
    'permission',
    'camera',
    'guidance',
    'challenges',
    'extracting',
    'submitting',
    'result',
  ]);
  const result = ev.find((e) => e.type === 'fv-result')!.detail;
  expect(Object.keys(result).sort()).toEqual(
    [
      'backend',
      'candidates',
      'decision',
      'faces',
      'mode',
      'reason',
      'score',
      'sessionId',
      'signed',
      'subject',
      'threads',
      'threshold',
    ].sort(),
  );
  expect(JSON.stringify(ev)).not.toMatch(/embedding|vector|landmark/i);
  // Only small sealed payloads went out: no image could fit.
  expect(Math.max(...endpoint.requests.map((r) => r.bytes))).toBeLessThan(16_000);

  // Same device, same face: verify (consent for verify is asked separately).
  await run(page, { mode: 'verify', subject, scripted: 'pass', face: '7' });
  expect(await finalStep(page)).toBe('result');
  await expect(el.locator('[part~="result"]')).toHaveAttribute('data-decision', 'match');
  await expect(el.locator('[part~="score"]')).toContainText('Similarity 1.00');
  await axe(page, 'match');
});

test('a different face → no match with a reason, the alternative slot and a Retry into the flow', async ({
  page,
}) => {
  const subject = `flow-nm-${Date.now()}`;
  await run(page, { mode: 'enroll', subject, scripted: 'pass', face: '3', lang: 'zh-CN' });
  expect(await finalStep(page)).toBe('result');
  await run(page, { mode: 'verify', subject, scripted: 'pass', face: '4', lang: 'zh-CN' });
  expect(await finalStep(page)).toBe('result');
  const el = page.locator('face-verify');
  await expect(el.locator('[part~="result"]')).toHaveAttribute('data-decision', 'no-match');
  await expect(el.getByRole('heading', { name: '核验未通过' })).toBeVisible();
  await expect(el.locator('slot[name="alternative"]')).toHaveCount(1);
  await axe(page, 'no-match zh-CN');
  await el.getByRole('button', { name: '重试' }).click();
  await expect(el).toHaveAttribute('step', /permission|camera|guidance/);
  await expect(el).toHaveAttribute('step', 'guidance', { timeout: 60_000 });
});

test('a wrong action asks for the same step again; fv-step reports the new attempt', async ({
  page,
}) => {
  await run(page, { mode: 'enroll', subject: `flow-w-${Date.now()}`, scripted: 'wrong-once' });
  const el = page.locator('face-verify');
  await expect(el.locator('[part~="prompt"]')).toContainText('That was a different movement', {
    timeout: 60_000,
  });
  await expect(el.locator('[part~="challenge-progress"]')).toHaveText('Step 1 of 3');
  expect(await finalStep(page)).toBe('result');
  const attempts = (await recordedEvents(page))
    .filter((e) => e.type === 'fv-step' && e.detail['challengeIndex'] === 0)
    .map((e) => e.detail['challenge']);
  expect(attempts.length).toBeGreaterThanOrEqual(2);
});

test('attempts used up → liveness-failed, camera off, Retry available', async ({ page }) => {
  await run(page, {
    mode: 'enroll',
    subject: `flow-f-${Date.now()}`,
    scripted: 'fail',
    'challenge-attempts': '2',
  });
  const el = page.locator('face-verify');
  await expect(el.locator('[part~="prompt"]')).toContainText('Time ran out', { timeout: 60_000 });
  expect(await finalStep(page)).toBe('error');
  await expect(el.locator('[part~="error"]')).toHaveAttribute('data-code', 'liveness-failed');
  await expect.poll(async () => (await mediaInfo(page)).liveTracks).toBe(0);
  await expect(el.getByRole('button', { name: 'Try again' })).toBeVisible();
});

test('a low anti-spoof score is refused by the endpoint with a human reason', async ({ page }) => {
  await run(page, { mode: 'enroll', subject: `flow-s-${Date.now()}`, scripted: 'spoof' });
  expect(await finalStep(page)).toBe('error');
  const el = page.locator('face-verify');
  await expect(el.locator('[part~="error"]')).toHaveAttribute('data-code', 'spoof-suspected');
  await expect(el.getByRole('alert')).toContainText('live person');
});

test('identify finds the enrolled person among several', async ({ page }) => {
  const stamp = Date.now();
  for (const face of ['21', '22']) {
    await run(page, { mode: 'enroll', subject: `id-${face}-${stamp}`, scripted: 'pass', face });
    expect(await finalStep(page)).toBe('result');
  }
  await run(page, { mode: 'identify', scripted: 'pass', face: '22' });
  expect(await finalStep(page)).toBe('result');
  const el = page.locator('face-verify');
  await expect(el.locator('[part~="result"]')).toHaveAttribute('data-decision', 'match');
  await expect(el.getByRole('status').first()).toContainText(`id-22-${stamp}`);
  // One face (no multi-face): no per-face list on the result screen.
  await expect(el.locator('[part~="faces"]')).toHaveCount(0);
});
