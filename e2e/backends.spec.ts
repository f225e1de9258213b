import { chromium } from 'playwright-core';
import {
  captureRequests,
  chromiumPath,
  expectNoImageDataLeft,
  launchArgs,
} from '../src/testing/index';
import type { FaceVerify } from '../src/element/face-verify';
import { begin, el, openHost, outcome } from './support/flow';
import { apiOrigin, pageOrigin } from './support/ports';
import { expect, test } from './support/test';

// Both inference backends. Every other test forces backend="wasm"; the second forces WebGPU where
// Chromium offers an adapter (here SwiftShader: correct but slow) and skips visibly otherwise.

const ortFiles = (urls: string[]) => urls.filter((u) => /\/runtime\/ort\//.test(u));

test('backend="wasm" loads the wasm-only ORT runtime', async ({ page, fakeCamera, requests }) => {
  await fakeCamera.puppet(page, await fakeCamera.face('fay'));
  await openHost(page, { mode: 'enroll', subject: `u-wasm-${Date.now()}`, backend: 'wasm' });
  await begin(page);
  const r = await outcome(page);
  expect(r, r.text).toMatchObject({ step: 'result', decision: 'enrolled' });
  const ort = ortFiles(requests.map((q) => q.url));
  expect(ort.some((u) => /ort\.wasm\.min\.mjs(\?|$)/.test(u))).toBe(true);
  expect(ort.some((u) => /ort\.webgpu|asyncify/.test(u))).toBe(false);
  // The element itself reports what ran.
  const info = await page.locator('face-verify').evaluate((el) => (el as FaceVerify).engineInfo);
  expect(info?.backend).toBe('wasm');
});

test('backend="webgpu" loads the WebGPU runtime and the engine runs on it', async ({
  fakeCamera,
}) => {
  // The flow itself is the same on either backend (the wasm test above and every other test
  // complete it); what differs is the runtime fetched and the backend the engine ends up on.
  // Inference on this adapter agreeing with wasm is src/inference/webgpu.pw.ts. A full capture
  // on SwiftShader took 1.5 min of CI for nothing more.
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: launchArgs({ webgpu: true }),
  });
  try {
    const context = await browser.newContext({ baseURL: pageOrigin });
    const page = await context.newPage();
    await page.goto('/e2e/host/?mode=enroll&subject=probe&lang=en');
    const adapter = await page.evaluate(async () => {
      const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
      return gpu ? (await gpu.requestAdapter()) !== null : false;
    });
    test.skip(!adapter, 'Chromium offers no WebGPU adapter on this machine');
    const captured = captureRequests(context);
    const p2 = await context.newPage();
    await page.close();
    await fakeCamera.puppet(p2, await fakeCamera.face('fay'));
    await openHost(p2, { mode: 'enroll', subject: `u-gpu-${Date.now()}`, backend: 'webgpu' });
    await begin(p2);
    const engine = () =>
      p2.locator('face-verify').evaluate((el) => (el as FaceVerify).engineInfo?.backend ?? null);
    await expect.poll(engine, { timeout: 180_000 }).not.toBeNull();
    expect(await engine()).toBe('webgpu');
    expect(
      ortFiles(captured.map((q) => q.url)).some((u) => /ort\.webgpu\.min\.mjs(\?|$)/.test(u)),
    ).toBe(true);
    await el(p2).locator('[part~="cancel"]').click();
    await expect(el(p2)).toHaveAttribute('step', /cancelled|idle|consent/);
    expectNoImageDataLeft(captured, { origins: [pageOrigin, apiOrigin] });
  } finally {
    await browser.close();
  }
});
