// Liveness signals on REAL landmarks (our landmarker, real model, MIT sample photos shipped in
// @vladmandic/face-api), checked through image transforms whose effect is known: a mirror
// negates yaw and roll, a clockwise rotation lowers roll by its angle, and the yaw sign must
// match where the nose tip sits between the eyes.
import { basename } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { samplePeople } from '../testing/photos';
import type { Measured, Transform } from '../../test-pages/liveness/signals-page';

const people = Object.entries(samplePeople).map(([name, get]) => {
  const p = get();
  const r = p.region;
  return {
    name,
    url: `/node_modules/@vladmandic/face-api/demo/${basename(p.photo)}`,
    crop: [r.x, r.y, r.width, r.height],
  };
});

const RAD = Math.PI / 180;
/** Yaw/pitch after rotating the forward axis by `deg` about the camera's z axis. */
function rotatedPose(yaw: number, pitch: number, deg: number): { yaw: number; pitch: number } {
  const f = [
    Math.cos(pitch * RAD) * Math.sin(yaw * RAD),
    Math.sin(pitch * RAD),
    Math.cos(pitch * RAD) * Math.cos(yaw * RAD),
  ];
  const [c, s] = [Math.cos(deg * RAD), Math.sin(deg * RAD)];
  const x = c * f[0]! - s * f[1]!;
  const y = s * f[0]! + c * f[1]!;
  return { yaw: Math.atan2(x, f[2]!) / RAD, pitch: Math.asin(y) / RAD };
}

const measure = (page: Page, url: string, crop: number[], t: Transform): Promise<Measured | null> =>
  page.evaluate(([u, c, tt]) => window.signalsTest.measure(u, c, tt), [url, crop, t] as const);

test.describe('signals on real landmarks', () => {
  test.describe.configure({ mode: 'serial' });
  let page: Page;

  test.beforeAll(async ({ browser }) => {
    page = await browser.newPage();
    await page.goto('/test-pages/liveness/signals.html');
    await expect(page.locator('#status')).toHaveText('ready');
  });
  test.afterAll(async () => page.close());

  for (const person of people) {
    test(`${person.name}: pose signs, mirror and rotation`, async () => {
      const base = await measure(page, person.url, person.crop, 'none');
      expect(base, 'a face in the crop').not.toBeNull();
      const m = base!;
      expect(m.fiveOrdered).toBe(true);
      expect(m.eye).toBeGreaterThan(0.03);
      expect(m.eye).toBeLessThan(0.7);
      expect(m.aspect).toBeGreaterThan(0.2);
      expect(m.aspect).toBeLessThan(0.8);
      // Absolute yaw sign: turned to their own left = nose right of the eye midpoint.
      if (Math.abs(m.yaw) > 6) expect(Math.sign(m.noseOffset)).toBe(Math.sign(m.yaw));
      if (Math.abs(m.yaw) > 8) expect(Math.sign(m.yawL)).toBe(Math.sign(m.yaw));

      const mir = (await measure(page, person.url, person.crop, 'mirror'))!;
      expect(mir.fiveOrdered).toBe(true);
      expect(Math.abs(mir.yaw + m.yaw)).toBeLessThan(4);
      expect(Math.abs(mir.roll + m.roll)).toBeLessThan(4);
      expect(Math.abs(mir.pitch - m.pitch)).toBeLessThan(4);

      // Turning the picture 15° clockwise rotates the face's forward axis by −15° about the
      // camera's z axis (x right, y up): yaw and pitch mix by a predictable amount.
      const rot = (await measure(page, person.url, person.crop, 'rotate'))!;
      const want = rotatedPose(m.yaw, m.pitch, -15);
      expect(Math.abs(rot.yaw - want.yaw)).toBeLessThan(3);
      expect(Math.abs(rot.pitch - want.pitch)).toBeLessThan(3);
      expect(Math.abs(rot.roll - (m.roll - 15))).toBeLessThan(3);
      expect(Math.abs(rot.rollL - (m.rollL - 15))).toBeLessThan(3);
    });
  }

  test('quality codes on real pixels: dark, blurred, far', async () => {
    const { url, crop } = people[0]!;
    const dark = await measure(page, url, crop, 'dark');
    // MediaPipe may lose a very dark face entirely; if it finds one, it is too dark.
    if (dark) expect(dark.codes[0]).toBe('too-dark');
    expect((await measure(page, url, crop, 'blur'))!.codes).toContain('blurred');
    expect((await measure(page, url, crop, 'far'))!.codes).toContain('too-far');
    expect((await measure(page, url, crop, 'none'))!.codes).not.toContain('blurred');
  });
});
