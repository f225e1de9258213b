// WebGPU path of the inference worker. Needs --enable-unsafe-webgpu; skips visibly when the
// browser still has no adapter. On this machine the adapter is SwiftShader (slow but correct).
import { expect, test } from '@playwright/test';
import { chromiumArgs, chromiumPath } from '../../e2e/support/chromium';
import { cosine } from '../protocol/match';
import { around, faceOf, openHarness, photo } from '../../test-pages/inference/support';
import type { View } from '../../test-pages/inference/harness';

test.use({
  launchOptions: {
    executablePath: chromiumPath,
    args: [...chromiumArgs, '--enable-unsafe-webgpu'],
  },
});

test.describe('inference on WebGPU', () => {
  test('forced webgpu runs and agrees with wasm; auto skips a software adapter', async ({
    page,
  }) => {
    test.setTimeout(300_000);
    await openHarness(page);
    const adapter = await page.evaluate(async () => {
      const gpu = (
        navigator as {
          gpu?: { requestAdapter(): Promise<{ info?: { architecture?: string } } | null> };
        }
      ).gpu;
      const a = gpu ? await gpu.requestAdapter() : null;
      return a ? (a.info?.architecture ?? 'unknown') : null;
    });
    test.skip(
      adapter === null,
      'no WebGPU adapter in this browser, even with --enable-unsafe-webgpu',
    );

    await page.evaluate(() => window.fvHarness.init({ backend: 'wasm' }));
    const [box] = await page.evaluate((u) => window.fvHarness.boxes(u), photo(3));
    const view: View = { crop: around(box!, 2.5) };
    const wasm = await faceOf(page, photo(3), view);

    // Shader compilation on a software adapter makes the first run slow (seconds).
    const info = await page.evaluate(() => window.fvHarness.init({ backend: 'webgpu' }));
    expect(info.backend, info.fallback ?? '').toBe('webgpu');
    const gpu = await faceOf(page, photo(3), view);
    expect(cosine(wasm.embedding, gpu.embedding)).toBeGreaterThan(0.999);
    expect(Math.abs(wasm.live - gpu.live)).toBeLessThan(1e-3);

    const auto = await page.evaluate(() => window.fvHarness.init({ backend: 'auto' }));
    if (/swiftshader/i.test(adapter!)) {
      expect(auto.backend).toBe('wasm');
      expect(auto.fallback).toMatch(/software/);
    }
  });

  test('a WebGPU failure at session creation falls back to wasm and says so', async ({ page }) => {
    test.setTimeout(120_000);
    // Only the WebGPU build loads the asyncify binary: without it WebGPU cannot start.
    await page.route(/runtime\/ort\/.*asyncify\.wasm(\?|$)/, (route) =>
      route.fulfill({ status: 404, body: '' }),
    );
    await openHarness(page);
    const hasAdapter = await page.evaluate(async () => {
      const gpu = (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
      return Boolean(gpu && (await gpu.requestAdapter()));
    });
    test.skip(!hasAdapter, 'no WebGPU adapter in this browser, even with --enable-unsafe-webgpu');
    const info = await page.evaluate(() => window.fvHarness.init({ backend: 'webgpu' }));
    expect(info.backend).toBe('wasm');
    expect(info.fallback).toMatch(/WebGPU failed/);
    const [box] = await page.evaluate((u) => window.fvHarness.boxes(u), photo(3));
    const face = await faceOf(page, photo(3), { crop: around(box!, 2.5) });
    expect(face.embedding).toHaveLength(512);
  });
});
