// DEV ONLY (not shipped, not a test): runs MediaPipe FaceLandmarker in headless Chromium over
// real frames/photos and prints the liveness signals our pure modules compute from them, to
// check signs and thresholds. Landmarks stay in memory; only derived numbers are printed.
//
//   npx tsx scripts/dev/liveness-real.ts --frames DIR [--fps 29.97] [--every 1]
//   npx tsx scripts/dev/liveness-real.ts --photos DIR [--blur 0,1.5,3]
//
// Frames: extract with e.g. `ffmpeg -i clip.mp4 -vf "scale='min(640,iw)':-2" DIR/%04d.jpg`.
import { readFileSync, readdirSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { chromium } from 'playwright-core';
import { chromiumArgs, chromiumPath } from '../../e2e/support/chromium';
import { measureFrame, type RgbaPixels } from '../../src/liveness/frame-stats';
import { fivePoints } from '../../src/liveness/fivepoints';
import { assessQuality } from '../../src/liveness/quality';
import {
  eyeOpenness,
  faceAspect,
  headPoseFromLandmarks,
  headPoseFromMatrix,
  mouthOpening,
} from '../../src/liveness/signals';
import type { FaceObservation } from '../../src/liveness/types';

const { values: args } = parseArgs({
  options: {
    frames: { type: 'string' },
    photos: { type: 'string' },
    fps: { type: 'string', default: '29.97' },
    every: { type: 'string', default: '1' },
    blur: { type: 'string', default: '0' },
  },
});

const root = resolve(import.meta.dirname, '../..');
const tv = join(root, 'node_modules/@mediapipe/tasks-vision');
const ORIGIN = 'http://dev.local';

function decode(file: string): RgbaPixels {
  const buf = readFileSync(file);
  if (extname(file).toLowerCase() === '.png') {
    const p = PNG.sync.read(buf);
    return { data: p.data, width: p.width, height: p.height };
  }
  const j = jpeg.decode(buf, { useTArray: true, formatAsRGBA: true });
  return { data: j.data, width: j.width, height: j.height };
}

const PAGE = `<!doctype html><script type="module">
import { FaceLandmarker } from '/tv/vision_bundle.mjs';
const fileset = { wasmLoaderPath: '/tv/wasm/vision_wasm_internal.js', wasmBinaryPath: '/tv/wasm/vision_wasm_internal.wasm' };
const make = (runningMode) => FaceLandmarker.createFromOptions(fileset, {
  baseOptions: { modelAssetPath: '/model.task', delegate: 'CPU' }, runningMode, numFaces: 3,
  outputFacialTransformationMatrixes: true });
let video, image;
const pack = (r, w, h) => r.faceLandmarks.map((pts, i) => ({
  lm: pts.flatMap((p) => [p.x * w, p.y * h, p.z * w]),
  m: r.facialTransformationMatrixes?.[i]?.data ?? null }));
window.analyse = async (url, t, blur) => {
  const bmp = await createImageBitmap(await (await fetch(url)).blob());
  let src = bmp, w = bmp.width, h = bmp.height;
  const s = Math.min(1, 640 / Math.max(w, h));
  if (s < 1 || blur > 0) {
    w = Math.round(w * s); h = Math.round(h * s);
    const c = new OffscreenCanvas(w, h); const g = c.getContext('2d');
    if (blur > 0) g.filter = 'blur(' + blur + 'px)';
    g.drawImage(bmp, 0, 0, w, h); src = c;
  }
  const px = src === bmp ? null : Array.from(src.getContext('2d').getImageData(0, 0, w, h).data);
  if (t === null) { image ??= await make('IMAGE'); return { faces: pack(image.detect(src), w, h), w, h, px }; }
  video ??= await make('VIDEO');
  return { faces: pack(video.detectForVideo(src, t), w, h), w, h, px };
};
window.ready = true;
</script>`;

async function main(): Promise<void> {
  const dir = args.frames ?? args.photos;
  if (!dir) throw new Error('pass --frames DIR or --photos DIR');
  const files = readdirSync(dir)
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .sort();
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });
  const page = await browser.newPage();
  await page.route(`${ORIGIN}/**`, async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/') return route.fulfill({ contentType: 'text/html', body: PAGE });
    if (path === '/model.task')
      return route.fulfill({ path: join(root, 'public/models/face_landmarker.task') });
    if (path.startsWith('/tv/')) {
      const f = join(tv, path.slice(4));
      const type = f.endsWith('.wasm') ? 'application/wasm' : 'text/javascript';
      return route.fulfill({ path: f, contentType: type });
    }
    if (path.startsWith('/img/'))
      return route.fulfill({ path: join(dir, decodeURIComponent(path.slice(5))) });
    return route.fulfill({ status: 404, body: '' });
  });
  await page.goto(`${ORIGIN}/`);
  await page.waitForFunction('window.ready === true');

  const fps = Number(args.fps);
  const every = Number(args.every);
  const blurs = args.blur!.split(',').map(Number);
  const f2 = (v: number): string => v.toFixed(2).padStart(6);
  const f1 = (v: number): string => v.toFixed(1).padStart(6);
  console.log(
    'file        blur  n    eyeL   eyeR  mouth  yawM  pitchM rollM   yawL  pitchL rollL   size  luma  sharp  aspect ArcOk codes',
  );
  for (let i = 0; i < files.length; i += every) {
    for (const blur of blurs) {
      const file = files[i]!;
      const t = args.frames ? (i * 1000) / fps : null;
      const r = (await page.evaluate(
        ([u, tt, b]) =>
          (
            window as unknown as { analyse: (u: string, t: number | null, b: number) => unknown }
          ).analyse(u, tt, b),
        [`/img/${encodeURIComponent(file)}`, t, blur] as const,
      )) as {
        faces: { lm: number[]; m: number[] | null }[];
        w: number;
        h: number;
        px: number[] | null;
      };
      const faces: FaceObservation[] = r.faces.map(({ lm, m }) => {
        const landmarks = Float32Array.from(lm);
        let x0 = Infinity,
          y0 = Infinity,
          x1 = -Infinity,
          y1 = -Infinity;
        for (let k = 0; k < landmarks.length; k += 3) {
          x0 = Math.min(x0, landmarks[k]!);
          x1 = Math.max(x1, landmarks[k]!);
          y0 = Math.min(y0, landmarks[k + 1]!);
          y1 = Math.max(y1, landmarks[k + 1]!);
        }
        return {
          landmarks,
          matrix: m ? Float32Array.from(m) : null,
          box: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 },
          width: r.w,
          height: r.h,
        };
      });
      const pixels: RgbaPixels = r.px
        ? { data: Uint8ClampedArray.from(r.px), width: r.w, height: r.h }
        : decode(join(dir, file));
      const name = file.padEnd(22).slice(0, 22);
      if (faces.length === 0) {
        console.log(`${name} ${String(blur).padStart(3)}  0   (no face)`);
        continue;
      }
      const main = faces.reduce((a, b) => (b.box.width > a.box.width ? b : a));
      const stats = measureFrame(pixels, main.box);
      const q = assessQuality(faces, stats);
      const eye = eyeOpenness(main.landmarks);
      const pm = main.matrix
        ? headPoseFromMatrix(main.matrix)
        : { yaw: NaN, pitch: NaN, roll: NaN };
      const pl = headPoseFromLandmarks(main.landmarks);
      const p5 = fivePoints(main.landmarks);
      const arcOk = p5[0]! < p5[2]! && p5[6]! < p5[8]!; // image-left eye and mouth corner first
      const size = main.box.width / Math.min(r.w, r.h);
      console.log(
        `${name} ${String(blur).padStart(3)} ${faces.length} ${f2(eye.left)} ${f2(eye.right)} ${f2(mouthOpening(main.landmarks))}` +
          ` ${f1(pm.yaw)} ${f1(pm.pitch)} ${f1(pm.roll)} ${f1(pl.yaw)} ${f1(pl.pitch)} ${f1(pl.roll)}` +
          ` ${f2(size)} ${stats.luminance.toFixed(0).padStart(5)} ${stats.sharpness.toFixed(0).padStart(6)} ${f2(faceAspect(main.landmarks))}  ${arcOk ? 'yes' : 'NO '}  ${q.codes.join(',')}`,
      );
    }
  }
  await browser.close();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
