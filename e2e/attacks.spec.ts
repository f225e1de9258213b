import { begin, openHost, outcome, shot } from './support/flow';
import { expect, test } from './support/test';

// Presentation attacks fail with the right reason. Short challenge windows and one attempt so
// a failing flow ends quickly; the endpoint is the real one with its default thresholds.

const fast = { 'challenge-timeout': 5, 'challenge-attempts': 1 } as const;
const subject = () => `u-attack-${Date.now().toString(36)}`;

test('a static photo held up → liveness fails', async ({ page, fakeCamera }, info) => {
  await fakeCamera.puppet(page, await fakeCamera.face('fay'), { look: 'static' });
  await openHost(page, { mode: 'enroll', subject: subject(), ...fast });
  await begin(page);
  const r = await outcome(page);
  await shot(page, info, 'static-photo');
  expect(r, r.text).toMatchObject({ step: 'error', code: 'liveness-failed' });
});

test('a photo moved in 2-D (shake, zoom) → liveness fails', async ({ page, fakeCamera }, info) => {
  await fakeCamera.puppet(page, await fakeCamera.face('fay'), { look: 'shake' });
  await openHost(page, { mode: 'enroll', subject: subject(), ...fast });
  await begin(page);
  const r = await outcome(page);
  await shot(page, info, 'shake');
  expect(r, r.text).toMatchObject({ step: 'error', code: 'liveness-failed' });
});

test('a screen replaying a recording in a fixed order → liveness fails', async ({
  page,
  fakeCamera,
}, info) => {
  await fakeCamera.puppet(page, await fakeCamera.face('ava'), {
    look: 'screen',
    mode: 'loop',
    loop: 'recording',
  });
  await openHost(page, { mode: 'enroll', subject: subject(), ...fast });
  await begin(page);
  const r = await outcome(page);
  await shot(page, info, 'screen-recording');
  expect(r, r.text).toMatchObject({ step: 'error' });
  expect(['liveness-failed', 'spoof-suspected']).toContain(r.code);
});

test('a screen that performs the asked actions → passive anti-spoof rejects it', async ({
  page,
  fakeCamera,
}, info) => {
  // The strongest replay: every challenge is answered, so only the anti-spoof check is left.
  const cam = await fakeCamera.puppet(page, await fakeCamera.face('ava'), { look: 'screen' });
  await openHost(page, { mode: 'enroll', subject: subject() });
  await begin(page);
  const r = await outcome(page);
  await shot(page, info, 'screen-obeying');
  expect(r, r.text).toMatchObject({ step: 'error', code: 'spoof-suspected' });
  expect((await cam.log()).performed.length).toBeGreaterThanOrEqual(3);
});
