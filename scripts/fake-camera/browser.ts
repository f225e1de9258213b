// Our landmarker in headless Chromium (tasks-vision needs a browser): a Vite dev server for
// test-pages/fake-camera/ and a playwright-core page that Node sends JPEG frames to.
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ViteDevServer } from 'vite';
import type { StillFace, TraceRow } from '../../test-pages/fake-camera/main';
import { chromiumArgs, chromiumPath } from '../../src/testing/launch';
import { encodeJpeg, type Image } from './image';

export type { StillFace, TraceRow };

export interface LandmarkSession {
  /** IMAGE mode on a still; every face found, landmarks in the image's pixels. */
  detect(img: Image): Promise<StillFace[]>;
  /** The element's passive anti-spoof live probability for the largest face, or null. */
  live(img: Image): Promise<number | null>;
  /** The element's 512-d embedding of the largest face, or null (benchmarks; never log it). */
  embed(img: Image): Promise<Float32Array | null>;
  /** VIDEO mode over a clip's frames: eye openness, mouth opening, yaw per frame. */
  trace(frames: readonly Image[], fps: number): Promise<TraceRow[]>;
  close(): Promise<void>;
}

export interface LandmarkSessionOptions {
  /**
   * Serve these bytes as `models/fr_liveness.onnx` (the manifest's hash and size patched to
   * match), so `live()` scores with another anti-spoof model, e.g. an int8 copy beside the
   * float one (bench/liveness-antispoof.ts --model).
   */
  antispoofModel?: Uint8Array;
}

const root = fileURLToPath(new URL('../../', import.meta.url));

const b64 = (img: Image, quality: number): string =>
  Buffer.from(encodeJpeg(img, quality)).toString('base64');

export async function openLandmarkSession(
  options: LandmarkSessionOptions = {},
): Promise<LandmarkSession> {
  const { createServer } = await import('vite');
  let server: ViteDevServer | null = null;
  let browser: Browser | null = null;
  try {
    server = await createServer({
      root,
      configFile: `${root}vite.config.ts`,
      logLevel: 'error',
      cacheDir: 'node_modules/.vite-fake-camera',
      optimizeDeps: { entries: ['test-pages/fake-camera/index.html'] },
      server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false },
    });
    await server.listen();
    const url = server.resolvedUrls?.local[0];
    if (!url) throw new Error('vite did not report a URL');
    browser = await chromium.launch({ executablePath: chromiumPath(), args: chromiumArgs });
    const page: Page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    if (options.antispoofModel) await serveAntispoofModel(page, options.antispoofModel);
    await page.goto(`${url}test-pages/fake-camera/`);
    await page.waitForFunction(() => 'fakeCamera' in window, null, { timeout: 60_000 });
    await page.evaluate(() => window.fakeCamera.ready);
    if (errors.length) throw new Error(`landmark page: ${errors.join('; ')}`);
    const b = browser;
    const s = server;
    return {
      detect: (img) => page.evaluate((data) => window.fakeCamera.detect(data), b64(img, 95)),
      live: (img) => page.evaluate((data) => window.fakeCamera.live(data), b64(img, 92)),
      embed: async (img) => {
        const v = await page.evaluate((data) => window.fakeCamera.embed(data), b64(img, 92));
        return v ? Float32Array.from(v) : null;
      },
      async trace(frames, fps) {
        const rows: TraceRow[] = [];
        // Batches keep each evaluate() message small.
        for (let i = 0; i < frames.length; i += 30) {
          const batch = frames.slice(i, i + 30).map((f) => b64(f, 92));
          const part = await page.evaluate(
            ([data, rate, fresh]) => window.fakeCamera.trace(data, rate, fresh),
            [batch, fps, i === 0] as const,
          );
          const offset = (i * 1000) / fps;
          rows.push(...part.map((r) => ({ ...r, t: Math.round(r.t + offset) })));
        }
        return rows;
      },
      async close() {
        await b.close();
        await s.close();
      },
    };
  } catch (e) {
    await browser?.close();
    await server?.close();
    throw e;
  }
}

async function serveAntispoofModel(page: Page, bytes: Uint8Array): Promise<void> {
  const body = Buffer.from(bytes);
  const sha256 = createHash('sha256').update(body).digest('hex');
  await page.route(/\/models\/manifest\.json(\?|$)/, async (route) => {
    const response = await route.fetch();
    const manifest = (await response.json()) as { files: { name: string }[] };
    for (const f of manifest.files)
      if (f.name === 'fr_liveness.onnx') Object.assign(f, { sha256, bytes: body.length });
    await route.fulfill({ response, json: manifest });
  });
  await page.route(/\/models\/fr_liveness\.onnx(\?|$)/, (route) =>
    route.fulfill({ body, contentType: 'application/octet-stream' }),
  );
}
