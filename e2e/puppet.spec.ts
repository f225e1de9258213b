import { expect, test } from './support/test';

// The QA kit's puppet is what stands in for a genuine person in every flow test (ours, and a
// lab's). It must answer each prompt after its reaction time, even when the prompt comes while
// the previous step's action is still playing out: the element's next pause can be as short as
// 300 ms, and the puppet once held such a prompt back for its retry interval (3 s), so the
// step timed out and a genuine session used up its attempts.

test('the puppet answers a prompt that comes while its previous action is still playing', async ({
  page,
  fakeCamera,
}) => {
  // A page of our own with a bare <face-verify> tag (not upgraded): its `challenge` attribute is
  // what the puppet reads, so the test can prompt it directly.
  await page.route('**/puppet-under-test', (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!doctype html><face-verify></face-verify>' }),
  );
  const cam = await fakeCamera.puppet(page, await fakeCamera.face('fay'), {
    reactionMs: 200,
    retryMs: 3000,
  });
  await page.goto('/puppet-under-test');
  await page.evaluate(async () => {
    await navigator.mediaDevices.getUserMedia({ video: true });
  });
  const ask = (kind: string | null) =>
    page.evaluate((k) => {
      const el = document.querySelector('face-verify')!;
      if (k) el.setAttribute('challenge', k);
      else el.removeAttribute('challenge');
    }, kind);
  const performed = async () => (await cam.log()).performed.map((p) => p.played);

  await ask('turn-left');
  await expect.poll(performed, { timeout: 5_000 }).toEqual(['turn-left']);
  // The turn lasts ≈ 1.8 s; prompt the next action 300 ms into it.
  await page.waitForTimeout(300);
  await ask(null);
  const askedAt = Date.now();
  await ask('open-mouth');
  // Answered once the turn has finished (≈ 1.5 s from now), not 3 s after that.
  await expect
    .poll(performed, { timeout: 2_800, intervals: [50] })
    .toEqual(['turn-left', 'open-mouth']);
  expect(Date.now() - askedAt).toBeLessThan(2_800);
});
