// From a photo to a fake-camera clip: find the face, frame it at 640×480, get our landmarks for
// that frame (cached per photo hash), then render the scripted actions or an attack.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { timeline, type ActionName, type ActionSpec } from './actions';
import { createFaceModel, type FaceModel } from './face';
import { cloneImage, cropResize, decodeImage, type Image, type Rect } from './image';
import type { LandmarkSession } from './browser';
import {
  FRAME_HEIGHT,
  FRAME_WIDTH,
  frameFromPhoto,
  frameFromRect,
  frameRect,
  noFace,
  pairOfFaces,
  renderPose,
  screenReplay,
  shake,
  twoFaces,
} from './render';
import { createClipWriter } from './writers';

export interface FaceSource {
  /** File path or encoded JPEG/PNG bytes. */
  photo: string | Uint8Array;
  /** Region of the photo to look in (group photos: the face is too small at full size). */
  region?: Rect;
  /** Which face in the region, largest first. Default 0. */
  index?: number;
  /** Face width as a fraction of the frame width. Default 0.4 (a laptop selfie). */
  faceFraction?: number;
}

export interface PreparedFace {
  /** Cache key: photo hash + options (stable across runs). */
  key: string;
  /** The 640×480 neutral frame. */
  base: Image;
  model: FaceModel;
}

export const DEFAULT_CACHE_DIR = join(process.cwd(), '.cache', 'fake-camera');

interface CacheEntry {
  rect: Rect;
  landmarks: number[];
  /** Other faces in the frame (group photos), blurred away so only one person is in view. */
  others: Rect[];
}

function fullRect(img: Image): Rect {
  return { x: 0, y: 0, width: img.width, height: img.height };
}

/**
 * Frames the face and measures its landmarks with our landmarker. The result depends only on
 * the photo bytes and options, so it is cached as JSON: later runs need no browser.
 */
export async function prepareFace(
  source: FaceSource,
  session: () => Promise<LandmarkSession>,
  cacheDir = DEFAULT_CACHE_DIR,
): Promise<PreparedFace> {
  const bytes = typeof source.photo === 'string' ? readFileSync(source.photo) : source.photo;
  const key = createHash('sha256')
    .update(bytes)
    .update(
      JSON.stringify([source.region ?? null, source.index ?? 0, source.faceFraction ?? null, 6]),
    )
    .digest('hex')
    .slice(0, 24);
  const cacheFile = join(cacheDir, `${key}.json`);
  const photo = decodeImage(bytes);
  try {
    const hit = JSON.parse(readFileSync(cacheFile, 'utf8')) as CacheEntry;
    const base = blurOthers(frameFromRect(photo, hit.rect), hit.others, hit.landmarks);
    return {
      key,
      base,
      model: createFaceModel(Float32Array.from(hit.landmarks), FRAME_WIDTH, FRAME_HEIGHT),
    };
  } catch {
    // not cached yet
  }
  const s = await session();
  const region = source.region ?? fullRect(photo);
  const scale = Math.min(1, 1280 / Math.max(region.width, region.height));
  const search = cropResize(
    photo,
    region,
    Math.round(region.width * scale),
    Math.round(region.height * scale),
  );
  const found = (await s.detect(search)).sort(
    (a, b) => b.box.width * b.box.height - a.box.width * a.box.height,
  );
  const hit = found[source.index ?? 0];
  if (!hit)
    throw new Error(`no face #${source.index ?? 0} found in the photo (found ${found.length})`);
  const box: Rect = {
    x: region.x + hit.box.x / scale,
    y: region.y + hit.box.y / scale,
    width: hit.box.width / scale,
    height: hit.box.height / scale,
  };
  const rect = frameRect(photo, box, source.faceFraction);
  const framed = frameFromPhoto(photo, box, source.faceFraction);
  const faces = (await s.detect(framed)).sort(
    (a, b) => b.box.width * b.box.height - a.box.width * a.box.height,
  );
  if (!faces[0]) throw new Error('the framed photo shows no face to our landmarker');
  const others = faces.slice(1).map((f) => f.box);
  const base = blurOthers(framed, others, faces[0].landmarks);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(
    cacheFile,
    JSON.stringify({ rect, landmarks: faces[0].landmarks, others } satisfies CacheEntry),
  );
  return {
    key,
    base,
    model: createFaceModel(Float32Array.from(faces[0].landmarks), FRAME_WIDTH, FRAME_HEIGHT),
  };
}

/**
 * Paints out the other faces of a group photo (their boxes, grown by 40 %), never touching the main
 * face's own box, so the landmarker sees one person.
 */
function blurOthers(img: Image, others: readonly Rect[], main: ArrayLike<number>): Image {
  if (!others.length) return img;
  let mx0 = Infinity;
  let my0 = Infinity;
  let mx1 = -Infinity;
  let my1 = -Infinity;
  for (let i = 0; i < main.length; i += 3) {
    mx0 = Math.min(mx0, main[i]!);
    mx1 = Math.max(mx1, main[i]!);
    my0 = Math.min(my0, main[i + 1]!);
    my1 = Math.max(my1, main[i + 1]!);
  }
  const out = cloneImage(img);
  for (const b of others) {
    const x0 = Math.max(0, Math.floor(b.x - 0.2 * b.width));
    const x1 = Math.min(img.width - 1, Math.ceil(b.x + 1.2 * b.width));
    const y0 = Math.max(0, Math.floor(b.y - 0.2 * b.height));
    const y1 = Math.min(img.height - 1, Math.ceil(b.y + 1.2 * b.height));
    // Flat mean colour: a blur keeps enough structure for the detector to find a face.
    const mean = [0, 0, 0];
    let n = 0;
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const o = (y * img.width + x) * 4;
        for (let c = 0; c < 3; c++) mean[c]! += img.data[o + c]!;
        n++;
      }
    }
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        if (x >= mx0 && x <= mx1 && y >= my0 && y <= my1) continue;
        const o = (y * img.width + x) * 4;
        for (let c = 0; c < 3; c++) out.data[o + c] = mean[c]! / n;
      }
    }
  }
  return out;
}

/** live: the person does the actions; the rest are attacks or guidance cases. */
/** 'pair': a centred person and a second, smaller one at the side (M:N identification). */
export type ClipKind = 'live' | 'static' | 'shake' | 'screen' | 'no-face' | 'two-faces' | 'pair';

export interface RenderOptions {
  kind?: ClipKind;
  fps?: number;
  /** The second person for 'two-faces' and 'pair'. */
  second?: PreparedFace;
}

export interface RenderedFrame {
  t: number;
  action: ActionName;
  image: Image;
}

/** Renders frame by frame (a generator: a 10 s y4m never sits in memory whole). */
export function* renderClip(
  face: PreparedFace,
  actions: readonly ActionSpec[],
  options: RenderOptions = {},
): Generator<RenderedFrame> {
  const kind = options.kind ?? 'live';
  const fps = options.fps ?? 30;
  for (const pose of timeline(actions, fps, kind !== 'static')) {
    const live = (f: PreparedFace): Image => renderPose(f.base, f.model, pose);
    let image: Image;
    switch (kind) {
      case 'live':
        image = live(face);
        break;
      case 'static':
        image = face.base;
        break;
      case 'shake':
        image = shake(face.base, pose.t);
        break;
      case 'screen':
        image = screenReplay(live(face), pose.t);
        break;
      case 'no-face':
        image = noFace(pose.t);
        break;
      case 'two-faces': {
        if (!options.second) throw new Error("'two-faces' needs options.second");
        image = twoFaces(live(face), live(options.second));
        break;
      }
      case 'pair': {
        if (!options.second) throw new Error("'pair' needs options.second");
        image = pairOfFaces(live(face), live(options.second), pairLayout(face, options.second));
        break;
      }
    }
    yield { t: pose.t, action: pose.action, image };
  }
}

/**
 * Where 'pair' puts its two people: the main face 0.16 of the width left of centre (inside the
 * guidance's centring tolerance), the second as far right as keeps the anti-spoof crop (2.7× the
 * face, ANTISPOOF_BOX_SCALE) inside the frame: a crop pushed in from the edge puts the face
 * off-centre in it and scores as a spoof. The seam lies midway in the gap between the faces.
 */
function pairLayout(main: PreparedFace, second: PreparedFace) {
  const span = (f: PreparedFace) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < f.model.landmarks.length; i += 3) {
      lo = Math.min(lo, f.model.landmarks[i]!);
      hi = Math.max(hi, f.model.landmarks[i]!);
    }
    return { centre: (lo + hi) / 2, width: hi - lo };
  };
  const a = span(main);
  const b = span(second);
  const mainAt = 0.34 * FRAME_WIDTH;
  const secondAt = FRAME_WIDTH - 1.4 * b.width;
  return {
    mainShift: Math.round(mainAt - a.centre),
    secondShift: Math.round(secondAt - b.centre),
    seam: Math.round((mainAt + a.width / 2 + secondAt - b.width / 2) / 2),
  };
}

export interface ClipFile {
  path: string;
  frames: number;
  bytes: number;
  durationMs: number;
}

/**
 * Writes a clip for `--use-file-for-fake-video-capture`. `.mjpeg` plays at 30 fps whatever we
 * write, so mjpeg clips are always rendered at 30 fps.
 */
export function writeClip(
  path: string,
  face: PreparedFace,
  actions: readonly ActionSpec[],
  options: RenderOptions = {},
): ClipFile {
  const fps = path.endsWith('.y4m') ? (options.fps ?? 30) : 30;
  const writer = createClipWriter(path, { width: FRAME_WIDTH, height: FRAME_HEIGHT, fps });
  try {
    for (const f of renderClip(face, actions, { ...options, fps })) writer.write(f.image);
  } finally {
    writer.close();
  }
  return {
    path,
    frames: writer.frames,
    bytes: writer.bytes,
    durationMs: Math.round((writer.frames * 1000) / fps),
  };
}
