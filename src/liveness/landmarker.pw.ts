// The landmarker in real Chromium with the real model built by scripts/build-models.ts, on the
// MIT sample photos shipped in @vladmandic/face-api. Crops keep faces at selfie scale, the range
// the short-range BlazeFace detector is made for.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';

const PAGE = '/test-pages/liveness/landmarker.html';
const sample = (n: number): string => `/node_modules/@vladmandic/face-api/demo/sample${n}.jpg`;
type Crop = [number, number, number, number];

async function openPage(page: Page, foreign: string[]): Promise<void> {
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (
      !['127.0.0.1:5174'].includes(url.host) &&
      url.protocol !== 'data:' &&
      url.protocol !== 'blob:'
    ) {
      foreign.push(r.url());
    }
  });
  page.on('websocket', (ws) => {
    if (!ws.url().includes('127.0.0.1:5174')) foreign.push(ws.url());
  });
  await page.goto(PAGE);
  await expect(page.locator('#status')).toHaveText('ready');
}

const open = (page: Page, options: Record<string, unknown> = {}) =>
  page.evaluate((o) => window.landmarkerTest.open(o), options);

const detect = (page: Page, n: number, crop?: Crop) =>
  page.evaluate(([url, c]) => window.landmarkerTest.detectImage(url, c), [
    sample(n),
    crop,
  ] as const);

test.describe('landmarker on sample photos', () => {
  test.describe.configure({ mode: 'serial' });
  let page: Page;
  const foreign: string[] = [];

  test.beforeAll(async ({ browser }) => {
    page = await browser.newPage();
    await openPage(page, foreign);
    expect(await open(page, { numFaces: 5 })).toEqual({ ok: true });
  });
  test.afterAll(async () => {
    await page.close();
  });

  // One person each, 560x560 around the face (checked by eye on the photos).
  const singles: [number, Crop][] = [
    [1, [653, 267, 560, 560]],
    [1, [1296, 51, 560, 560]],
    [2, [1268, 12, 560, 560]],
    [4, [793, 41, 560, 560]],
    [6, [1312, 145, 560, 560]],
    [6, [994, 192, 560, 560]],
    [6, [494, 216, 560, 560]],
    [6, [74, 352, 560, 560]],
  ];
  for (const [n, crop] of singles) {
    test(`one face: sample${n} ${crop.join(',')}`, async () => {
      const faces = await detect(page, n, crop);
      expect(faces).toHaveLength(1);
      const [face] = faces;
      expect(face!.count).toBe(478);
      expect(face!.finite).toBe(true);
      expect(face!.insideBox).toBe(478);
      expect(face!.hasMatrix).toBe(true);
      expect(face!.width).toBe(560);
      expect(face!.height).toBe(560);
      // The face sits near the crop centre and is 25-60 % of it.
      const { x, y, width, height } = face!.box;
      expect(x + width / 2).toBeGreaterThan(180);
      expect(x + width / 2).toBeLessThan(380);
      expect(y + height / 2).toBeGreaterThan(180);
      expect(y + height / 2).toBeLessThan(380);
      expect(width).toBeGreaterThan(140);
      expect(width).toBeLessThan(340);
    });
  }

  const groups: [number, Crop, number][] = [
    [3, [450, 150, 1000, 700], 2],
    [1, [650, 100, 1200, 700], 2],
    [6, [500, 200, 1300, 700], 3],
    [2, [0, 1000, 560, 360], 0], // legs and a phone
    [1, [0, 0, 400, 300], 0], // wall
  ];
  for (const [n, crop, count] of groups) {
    test(`${count} faces: sample${n} ${crop.join(',')}`, async () => {
      const faces = await detect(page, n, crop);
      expect(faces).toHaveLength(count);
      for (const f of faces) {
        expect(f.count).toBe(478);
        expect(f.insideBox).toBe(478);
        expect(f.width).toBe(crop[2]);
        expect(f.height).toBe(crop[3]);
      }
    });
  }

  // Whole group photos: faces are ~10 % of the width, too small for the short-range detector on
  // a 640 px frame; `smallFaces` also searches overlapping tiles. Counts checked by eye.
  const wholePhotos: [number, number][] = [
    [1, 3],
    [3, 3],
    [4, 4],
    [5, 5],
    [6, 4],
  ];
  for (const [n, count] of wholePhotos) {
    test(`smallFaces finds all ${count} faces of sample${n}`, async () => {
      const faces = await page.evaluate(
        ([url]) => window.landmarkerTest.detectImage(url!, undefined, true),
        [sample(n)] as const,
      );
      expect(faces).toHaveLength(count);
      for (const f of faces) {
        expect(f.count).toBe(478);
        expect(f.insideBox).toBe(478);
        expect(f.box.width).toBeGreaterThan(140); // faces are 170-240 px wide at full size
        expect(f.box.width).toBeLessThan(300);
      }
    });
  }

  test('smallFaces finds the two frontal faces of sample2 and nothing spurious', async () => {
    // The third woman is in near-profile behind her hand; finding her is a bonus.
    const faces = await page.evaluate(
      ([url]) => window.landmarkerTest.detectImage(url!, undefined, true),
      [sample(2)] as const,
    );
    expect(faces.length).toBeGreaterThanOrEqual(2);
    expect(faces.length).toBeLessThanOrEqual(3);
  });

  test('landmarks come back in source pixels of a full-size photo', async () => {
    // 1920 px wide: detection runs on a 640 px copy, coordinates are mapped back.
    const faces = await detect(page, 3);
    expect(faces.length).toBeGreaterThanOrEqual(1);
    for (const f of faces) {
      expect(f.width).toBe(1920);
      expect(f.insideBox).toBe(478);
      expect(f.box.width).toBeGreaterThan(150); // faces are ~230 px wide at full size
    }
  });

  test('the in-graph refinement places irises in the eyes and averages their depth', async () => {
    const lm = await page.evaluate(
      ([url]) => window.landmarkerTest.landmarks(url!, [653, 267, 560, 560]),
      [sample(1)] as const,
    );
    expect(lm).not.toBeNull();
    const pt = (i: number) => ({ x: lm![3 * i]!, y: lm![3 * i + 1]!, z: lm![3 * i + 2]! });
    // Refined eye outputs land on the right eyes: image-left eye corners (33, 133), the nose
    // bridge (168, mesh only), image-right eye corners (362, 263), in that order from the left.
    const xs = [33, 133, 168, 362, 263].map((i) => pt(i).x);
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
    // Refined lips: corners 61 and 291 either side of the lip centre, upper (0) above lower (17).
    expect(pt(61).x).toBeLessThan(pt(0).x);
    expect(pt(0).x).toBeLessThan(pt(291).x);
    expect(pt(0).y).toBeLessThan(pt(17).y);
    const contours = {
      468: [33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173],
      473: [263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398],
    };
    for (const [iris, contour] of Object.entries(contours)) {
      const first = Number(iris);
      const pts = contour.map(pt);
      const xs = pts.map((p) => p.x);
      const ys = pts.map((p) => p.y);
      const eyeWidth = Math.max(...xs) - Math.min(...xs);
      const centre = pt(first);
      expect(centre.x).toBeGreaterThan(Math.min(...xs));
      expect(centre.x).toBeLessThan(Math.max(...xs));
      expect(centre.y).toBeGreaterThan(Math.min(...ys) - eyeWidth * 0.25);
      expect(centre.y).toBeLessThan(Math.max(...ys) + eyeWidth * 0.25);
      // Each of the five iris points takes the mean z of its eye contour.
      const meanZ = pts.reduce((s, p) => s + p.z, 0) / pts.length;
      for (let k = 0; k < 5; k++) expect(pt(first + k).z).toBeCloseTo(meanZ, 2);
      // The iris is smaller than the eye, and its points are distinct.
      const radius = Math.hypot(pt(first + 1).x - centre.x, pt(first + 1).y - centre.y);
      expect(radius).toBeGreaterThan(eyeWidth * 0.05);
      expect(radius).toBeLessThan(eyeWidth * 0.5);
    }
  });

  test('VIDEO mode tracks a face over 640x480 frames', async () => {
    const { counts, times } = await page.evaluate(
      ([url]) => window.landmarkerTest.video(url!, 20, [653, 167, 760, 570]),
      [sample(1)] as const,
    );
    expect(times).toHaveLength(20);
    expect(counts.every((c) => c === 1)).toBe(true);
  });

  test('VIDEO mode reports a second face through the periodic multi-face check', async () => {
    const run = () =>
      page.evaluate(([url]) => window.landmarkerTest.video(url!, 40, [450, 150, 1000, 750]), [
        sample(3),
      ] as const);
    await run(); // the check's graph may still be starting
    const { counts } = await run();
    expect(counts.at(-1)).toBe(2);
    expect(counts.every((c) => c >= 1 && c <= 2)).toBe(true);
  });

  test('bad input is a typed error and the landmarker keeps working', async () => {
    expect(await page.evaluate(() => window.landmarkerTest.badInput('zero'))).toMatchObject({
      ok: false,
      code: 'bad-input',
    });
    expect(await page.evaluate(() => window.landmarkerTest.badInput('object'))).toMatchObject({
      ok: false,
      code: 'bad-input',
    });
    expect(await detect(page, 1, [653, 267, 560, 560])).toHaveLength(1);
  });

  test('no request leaves the page origin', () => {
    expect(foreign).toEqual([]);
  });
});

test.describe('landmarker failures are typed errors', () => {
  const model = new Uint8Array(readFileSync('public/models/face_landmarker.task'));
  const manifest = JSON.parse(readFileSync('public/models/manifest.json', 'utf8')) as {
    files: { name: string; bytes: number; sha256: string }[];
  };
  const withEntry = (bytes: Uint8Array) => ({
    ...manifest,
    files: manifest.files.map((f) =>
      f.name === 'face_landmarker.task'
        ? { ...f, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }
        : f,
    ),
  });

  test('a model that does not match the manifest hash is model-corrupt', async ({ page }) => {
    const corrupt = model.slice();
    corrupt[corrupt.length >> 1] ^= 0xff;
    await page.route('**/models/face_landmarker.task', (r) =>
      r.fulfill({ body: Buffer.from(corrupt) }),
    );
    await openPage(page, []);
    expect(await open(page)).toMatchObject({ ok: false, code: 'model-corrupt' });
  });

  for (const [what, bytes] of [
    ['a truncated bundle', model.slice(0, model.length >> 1)],
    ['random bytes', Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff)],
  ] as const) {
    test(`${what} that matches its manifest still fails as model-corrupt, without hanging`, async ({
      page,
    }) => {
      await page.route('**/models/manifest.json', (r) => r.fulfill({ json: withEntry(bytes) }));
      await page.route('**/models/face_landmarker.task', (r) =>
        r.fulfill({ body: Buffer.from(bytes) }),
      );
      await openPage(page, []);
      expect(await open(page, { timeoutMs: 20_000 })).toMatchObject({
        ok: false,
        code: 'model-corrupt',
      });
    });
  }

  test('a missing model is model-missing', async ({ page }) => {
    await page.route('**/models/face_landmarker.task', (r) => r.fulfill({ status: 404 }));
    await openPage(page, []);
    expect(await open(page)).toMatchObject({ ok: false, code: 'model-missing' });
  });

  test('a missing wasm runtime is runtime-missing', async ({ page }) => {
    await page.route('**/runtime/mediapipe/**', (r) => r.fulfill({ status: 404 }));
    await openPage(page, []);
    expect(await open(page)).toMatchObject({ ok: false, code: 'runtime-missing' });
  });

  test('invalid options are bad-input', async ({ page }) => {
    await openPage(page, []);
    expect(await open(page, { numFaces: 0 })).toMatchObject({ ok: false, code: 'bad-input' });
    expect(await open(page, { maxSize: Number.NaN })).toMatchObject({
      ok: false,
      code: 'bad-input',
    });
  });

  test('an abort signal stops start-up with aborted', async ({ page }) => {
    await openPage(page, []);
    expect(await open(page, { abortAfterMs: 0 })).toMatchObject({ ok: false, code: 'aborted' });
    // And the page can still start one afterwards.
    expect(await open(page)).toEqual({ ok: true });
  });
});
