// Enrol, then verify, as a person would: the QA kit's puppet camera shows a real face that
// performs whatever challenge the endpoint asks for.
import { expect, expectNoImageDataLeft, test } from 'face-verify/testing';

const fv = (page) => page.locator('face-verify');

async function run(page, mode) {
  await page.goto(`/?mode=${mode}&subject=alice`);
  const accept = fv(page).locator('[part~="accept"]');
  // Settled states: the consent form, or Start next to Withdraw when consent is on file.
  const withdraw = fv(page).locator('[part~="idle"] [part~="withdraw"]');
  await expect(accept.or(withdraw)).toBeVisible();
  if (await accept.isVisible()) {
    await fv(page).locator('[part~="sensitive"] input').check();
    await accept.click();
  } else {
    await fv(page).locator('[part~="start"]').click();
  }
  await expect(fv(page)).toHaveAttribute('step', /result|error/, { timeout: 240_000 });
  if ((await fv(page).getAttribute('step')) === 'error') {
    const code = await fv(page).locator('[part~="error"]').getAttribute('data-code');
    throw new Error(`${mode} ended in error ${code}`);
  }
  return fv(page).locator('[part~="result"]').getAttribute('data-decision');
}

test('enrol then verify alice, results checked by our backend', async ({
  page,
  fakeCamera,
  requests,
}) => {
  await fakeCamera.puppet(page, await fakeCamera.face('fay'));

  const verdict = page.locator('#verdict');
  expect(await run(page, 'enroll')).toBe('enrolled');
  await expect(verdict).toHaveAttribute('data-verified', 'true');
  await expect(verdict).toHaveAttribute('data-decision', 'enrolled');

  expect(await run(page, 'verify')).toBe('match');
  await expect(verdict).toHaveAttribute('data-verified', 'true');
  await expect(verdict).toHaveAttribute('data-decision', 'match');

  // Assets came from our own origin; only the endpoint was called besides.
  expect(requests.some((r) => r.url === 'http://127.0.0.1:4187/models/face_landmarker.task')).toBe(
    true,
  );
  expectNoImageDataLeft(requests, { origins: ['http://127.0.0.1:4187', 'http://127.0.0.1:8797'] });
});
