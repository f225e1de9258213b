import { begin, el, events, openHost, outcome, shot } from './support/flow';
import { expect, test } from './support/test';

// The core promise: enrol a face, verify it, reject someone else. Real element, real models,
// real endpoint; only the camera is a puppet that performs whatever the server asks.

test('enrol then verify the same person → match; a different person → no match', async ({
  context,
  fakeCamera,
}, info) => {
  const fay = await fakeCamera.face('fay');
  const bea = await fakeCamera.face('bea');
  const subject = `u-fay-${Date.now()}`;

  const enrol = await context.newPage();
  const cam = await fakeCamera.puppet(enrol, fay);
  await openHost(enrol, { mode: 'enroll', subject });
  await begin(enrol);
  const r1 = await outcome(enrol);
  await shot(enrol, info, 'enrolled');
  expect(r1, r1.text).toMatchObject({ step: 'result', decision: 'enrolled' });
  const log = await cam.log();
  expect(log.performed.length).toBeGreaterThanOrEqual(3);
  expect(log.live).toBe(0); // camera stopped at the result
  await enrol.close();

  const same = await context.newPage();
  await fakeCamera.puppet(same, fay);
  await openHost(same, { mode: 'verify', subject });
  await begin(same);
  const r2 = await outcome(same);
  await shot(same, info, 'match');
  expect(r2, r2.text).toMatchObject({ step: 'result', decision: 'match' });
  const result = (await events(same)).find((e) => e.type === 'fv-result')!;
  expect(result.detail['score']).toBeGreaterThan(result.detail['threshold'] as number);
  await same.close();

  const other = await context.newPage();
  await fakeCamera.puppet(other, bea);
  await openHost(other, { mode: 'verify', subject });
  await begin(other);
  const r3 = await outcome(other);
  await shot(other, info, 'no-match');
  expect(r3, r3.text).toMatchObject({ step: 'result', decision: 'no-match' });
  await expect(el(other).locator('slot[name="alternative"]')).toHaveCount(1);
});
