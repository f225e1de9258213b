// Frame rendering: framing a photo for the camera, posing the face, and the attack looks.
import { poseFace, type FaceModel, type Pose } from './face';
import {
  createImage,
  cropResize,
  drawInto,
  warpAffine,
  type Affine,
  type Image,
  type Rect,
} from './image';
import { lidSkin, paintLid } from './lids';
import { fillPolygon, warpTriangles } from './warp';

export const FRAME_WIDTH = 640;
export const FRAME_HEIGHT = 480;
/**
 * Bump when a pose renders differently: cached puppet frames (src/testing/frames.ts) and action
 * checks (visibility.ts) are keyed by it. 2: closing eyelids painted (lids.ts).
 */
export const RENDER_VERSION = 2;

/**
 * The crop of `photo` (4:3) that puts the face box at `faceFraction` of the frame width, centred
 * a little above the middle like a person looking into a laptop camera.
 */
export function frameRect(photo: Image, face: Rect, faceFraction = 0.28): Rect {
  const width = face.width / faceFraction;
  const height = (width * 3) / 4;
  const cx = face.x + face.width / 2;
  const cy = face.y + face.height / 2;
  let x = cx - width / 2;
  let y = cy - height * 0.47;
  // Stay inside the photo where possible: edge pixels repeated over a large area look fake.
  if (width <= photo.width) x = Math.min(Math.max(0, x), photo.width - width);
  if (height <= photo.height) y = Math.min(Math.max(0, y), photo.height - height);
  return { x, y, width, height };
}

export function frameFromPhoto(photo: Image, face: Rect, faceFraction?: number): Image {
  return frameFromRect(photo, frameRect(photo, face, faceFraction));
}

/** The 640×480 camera frame for a photo region, lightly sharpened like a webcam's ISP does. */
export function frameFromRect(photo: Image, rect: Rect): Image {
  return sharpen(cropResize(photo, rect, FRAME_WIDTH, FRAME_HEIGHT), 0.7);
}

/** Unsharp mask with a 3×3 box blur: out = in + amount · (in − blur). */
export function sharpen(img: Image, amount: number): Image {
  const { width: w, height: h, data } = img;
  const out = new Uint8ClampedArray(data);
  for (let y = 1; y < h - 1; y++) {
    for (let x = 1; x < w - 1; x++) {
      const o = (y * w + x) * 4;
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) sum += data[o + (dy * w + dx) * 4 + c]!;
        }
        out[o + c] = data[o + c]! + amount * (data[o + c]! - sum / 9);
      }
    }
  }
  return { width: w, height: h, data: out };
}

/**
 * The base frame with the face moved to `pose`. Mouth interior, teeth and closing eyelids are
 * painted in (warping alone leaves a squeezed eye that still reads as open).
 */
export function renderPose(base: Image, face: FaceModel, pose: Pose): Image {
  const posed = poseFace(face, pose);
  const out = warpTriangles(base, face.points, posed.points, face.triangles, {
    order: posed.order,
  });
  if (posed.mouth.length) {
    fillPolygon(out, posed.mouth, [48, 16, 20], 0.95);
    fillPolygon(out, posed.teeth, [220, 212, 198], 0.85);
  }
  for (const lid of posed.lids) paintLid(out, lid, lidSkin(base, face.landmarks, lid.eye));
  return out;
}

/** Smooth pseudo-random wobble in [-1, 1] (sum of incommensurate sines). */
const wobble = (t: number, seed: number): number =>
  0.6 * Math.sin(t * 0.0041 + seed) + 0.4 * Math.sin(t * 0.0107 + seed * 2.3);

/** Affine about the frame centre: rotate (deg), scale, then translate (px). */
function aboutCentre(img: Image, deg: number, scale: number, tx: number, ty: number): Affine {
  const a = (deg * Math.PI) / 180;
  const cos = Math.cos(a) * scale;
  const sin = Math.sin(a) * scale;
  const cx = img.width / 2;
  const cy = img.height / 2;
  return [cos, -sin, cx - cos * cx + sin * cy + tx, sin, cos, cy - sin * cx - cos * cy + ty];
}

/** A printed photo waved in front of the camera: only global 2-D motion, no face motion. */
export function shake(frame: Image, tMs: number): Image {
  return warpAffine(
    frame,
    aboutCentre(
      frame,
      3 * wobble(tMs, 1),
      1 + 0.07 * wobble(tMs, 2),
      14 * wobble(tMs, 3),
      10 * wobble(tMs, 4),
    ),
  );
}

/**
 * The frame shown on a phone/monitor held up to the camera: dark bezel, washed-out bluish
 * panel, moiré from the pixel grid beating against the sensor, a glare patch, hand tremor.
 */
export function screenReplay(frame: Image, tMs: number): Image {
  const W = frame.width;
  const H = frame.height;
  const out = createImage(W, H);
  // Dim room behind the device.
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const o = (y * W + x) * 4;
      const g = 58 + 30 * (y / H) + 6 * Math.sin(x * 0.02);
      out.data[o] = g * 0.95;
      out.data[o + 1] = g * 0.9;
      out.data[o + 2] = g * 0.85;
    }
  }
  const bezel: Rect = { x: 48, y: 30, width: W - 96, height: H - 60 };
  const panel: Rect = {
    x: bezel.x + 16,
    y: bezel.y + 14,
    width: bezel.width - 32,
    height: bezel.height - 28,
  };
  for (let y = bezel.y; y < bezel.y + bezel.height; y++) {
    for (let x = bezel.x; x < bezel.x + bezel.width; x++) {
      const o = (y * W + x) * 4;
      out.data[o] = 18;
      out.data[o + 1] = 18;
      out.data[o + 2] = 22;
    }
  }
  drawInto(out, frame, panel);
  const gx = panel.x + panel.width * 0.72;
  const gy = panel.y + panel.height * 0.22;
  const gr = panel.width * 0.35;
  for (let y = panel.y; y < panel.y + panel.height; y++) {
    for (let x = panel.x; x < panel.x + panel.width; x++) {
      const o = (y * W + x) * 4;
      // Two slightly rotated gratings: their beat is the low-frequency moiré band pattern.
      const m =
        1 +
        0.1 * Math.sin(2.9 * x + 0.35 * y) * Math.sin(0.31 * x - 2.7 * y) +
        0.07 * Math.sin(0.045 * (x + 0.6 * y) + tMs * 0.002);
      const d = Math.hypot((x - gx) / gr, (y - gy) / (gr * 0.6));
      const glare = d < 1 ? 0.55 * (1 - d) ** 1.5 : 0;
      const tint = [0.86, 0.92, 1.04];
      for (let c = 0; c < 3; c++) {
        const v = (out.data[o + c]! * 0.82 + 30) * tint[c]! * m;
        out.data[o + c] = v * (1 - glare) + 255 * glare;
      }
    }
  }
  return warpAffine(
    out,
    aboutCentre(out, 1.2 * wobble(tMs, 5), 1, 5 * wobble(tMs, 6), 4 * wobble(tMs, 7)),
  );
}

/** An empty room: wall gradient, a door and a shelf, mild sensor noise, slow camera drift. */
export function noFace(tMs: number, width = FRAME_WIDTH, height = FRAME_HEIGHT): Image {
  const out = createImage(width, height);
  let seed = Math.floor(tMs) * 2654435761;
  const noise = (): number => {
    seed = (seed ^ (seed << 13)) >>> 0;
    seed = (seed ^ (seed >>> 17)) >>> 0;
    seed = (seed ^ (seed << 5)) >>> 0;
    return (seed % 1000) / 1000 - 0.5;
  };
  const drift = 6 * wobble(tMs, 8);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 4;
      const xx = x + drift;
      let r = 196 - 40 * (y / height);
      let g = 188 - 40 * (y / height);
      let b = 172 - 36 * (y / height);
      if (xx > 380 && xx < 520 && y > 90) [r, g, b] = [120, 84, 58]; // door
      if (xx > 60 && xx < 300 && y > 200 && y < 214) [r, g, b] = [90, 70, 50]; // shelf
      const n = 8 * noise();
      out.data[o] = r + n;
      out.data[o + 1] = g + n;
      out.data[o + 2] = b + n;
    }
  }
  return out;
}

/** Two people side by side: the central half of each frame (faces are framed centrally). */
export function twoFaces(left: Image, right: Image): Image {
  const W = left.width;
  const H = left.height;
  const out = createImage(W, H);
  const half = W / 2;
  for (const [img, dx] of [
    [left, 0],
    [right, half],
  ] as const) {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < half; x++) {
        const s = (y * W + x + half / 2) * 4;
        const d = (y * W + x + dx) * 4;
        out.data[d] = img.data[s]!;
        out.data[d + 1] = img.data[s + 1]!;
        out.data[d + 2] = img.data[s + 2]!;
      }
    }
  }
  return out;
}

/**
 * M:N: two people side by side, the `main` one near the centre (within the guidance's centring
 * tolerance) and `second` to the right. Both frames are shifted by whole pixels and joined with
 * a feathered seam in the gap between the faces: no resampling (an aliased, downscaled face
 * reads as a screen to the passive anti-spoof model) and no hard-edged inset (a photo held up).
 */
export function pairOfFaces(
  main: Image,
  second: Image,
  { mainShift = -150, secondShift = 220, seam = 380, feather = 40 } = {},
): Image {
  const W = main.width;
  const H = main.height;
  const out = createImage(W, H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const t = Math.min(1, Math.max(0, (x - seam + feather / 2) / feather));
      const a = t * t * (3 - 2 * t);
      const sm = (y * W + Math.min(W - 1, Math.max(0, x - mainShift))) * 4;
      const ss = (y * W + Math.min(W - 1, Math.max(0, x - secondShift))) * 4;
      const d = (y * W + x) * 4;
      for (let c = 0; c < 3; c++) {
        out.data[d + c] = (1 - a) * main.data[sm + c]! + a * second.data[ss + c]!;
      }
    }
  }
  return out;
}
