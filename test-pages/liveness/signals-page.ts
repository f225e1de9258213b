// Test hooks for src/liveness/signals.pw.ts: our pure liveness modules on real landmarks of real
// photos, under image transforms whose effect on the signals is known. Only derived numbers
// leave the page, never landmarks.
import { measureFrame } from '../../src/liveness/frame-stats';
import { fivePoints } from '../../src/liveness/fivepoints';
import { LEFT_EYE, NOSE_TIP, RIGHT_EYE } from '../../src/liveness/landmark-indices';
import { createLandmarker, type Landmarker } from '../../src/liveness/landmarker';
import { assessQuality } from '../../src/liveness/quality';
import {
  eyeOpenness,
  faceAspect,
  headPoseFromLandmarks,
  headPoseFromMatrix,
  mouthOpening,
} from '../../src/liveness/signals';

/** mirror: flip left-right; rotate: turn the picture clockwise by 15°; dark: 15 % brightness;
 * blur: 4-px Gaussian; far: the crop shrunk to 0.4 in the middle of a grey frame. */
export type Transform = 'none' | 'mirror' | 'rotate' | 'dark' | 'blur' | 'far';

export interface Measured {
  faces: number;
  yaw: number;
  pitch: number;
  roll: number;
  yawL: number;
  rollL: number;
  eye: number;
  mouth: number;
  aspect: number;
  /** See `noseOffset` below. */
  noseOffset: number;
  /** Five points in ArcFace image order (left eye and left mouth corner first). */
  fiveOrdered: boolean;
  codes: string[];
}

let landmarker: Promise<Landmarker> | null = null;

/** Nose tip relative to the outer-eye-corner midpoint, along the eye line (towards the person's
 * left = positive), over the eye distance: pitch and roll do not move it, yaw does. */
function noseOffset(p: Float32Array): number {
  const [ro, lo] = [RIGHT_EYE.outer, LEFT_EYE.outer];
  const ex = p[3 * lo]! - p[3 * ro]!;
  const ey = p[3 * lo + 1]! - p[3 * ro + 1]!;
  const nx = p[3 * NOSE_TIP]! - (p[3 * lo]! + p[3 * ro]!) / 2;
  const ny = p[3 * NOSE_TIP + 1]! - (p[3 * lo + 1]! + p[3 * ro + 1]!) / 2;
  return (nx * ex + ny * ey) / (ex * ex + ey * ey);
}

async function frame(url: string, crop: number[], transform: Transform): Promise<OffscreenCanvas> {
  const img = new Image();
  img.src = url;
  await img.decode();
  const [x, y, w, h] = crop as [number, number, number, number];
  const side = 640;
  const canvas = new OffscreenCanvas(side, side);
  const g = canvas.getContext('2d')!;
  g.fillStyle = 'rgb(128,128,128)';
  g.fillRect(0, 0, side, side);
  if (transform === 'mirror') g.setTransform(-1, 0, 0, 1, side, 0);
  if (transform === 'rotate') {
    g.translate(side / 2, side / 2);
    g.rotate((15 * Math.PI) / 180); // y points down: positive angles turn clockwise on screen
    g.translate(-side / 2, -side / 2);
  }
  if (transform === 'dark') g.filter = 'brightness(0.15)';
  if (transform === 'blur') g.filter = 'blur(4px)';
  if (transform === 'far') {
    const k = side * 0.4; // the face shrinks to ~0.15 of the frame, still big enough to detect
    g.drawImage(img, x, y, w, h, (side - k) / 2, (side - k) / 2, k, k);
  } else g.drawImage(img, x, y, w, h, 0, 0, side, side);
  return canvas;
}

const api = {
  async measure(url: string, crop: number[], transform: Transform): Promise<Measured | null> {
    landmarker ??= createLandmarker({ assetBase: '/' });
    const lm = await landmarker;
    const canvas = await frame(url, crop, transform);
    const faces = await lm.detectImage(canvas);
    if (faces.length === 0) return null;
    // The person of the crop is the face nearest the centre (a rotation can bring a
    // neighbour into the frame).
    const off = (f: (typeof faces)[number]): number =>
      Math.hypot(
        f.box.x + f.box.width / 2 - canvas.width / 2,
        f.box.y + f.box.height / 2 - canvas.height / 2,
      );
    const face = faces.reduce((a, b) => (off(b) < off(a) ? b : a));
    const rgba = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height);
    const stats = measureFrame(rgba, face.box);
    const p = face.landmarks;
    const pose = headPoseFromMatrix(face.matrix!);
    const poseL = headPoseFromLandmarks(p);
    const five = fivePoints(p);
    return {
      faces: faces.length,
      yaw: pose.yaw,
      pitch: pose.pitch,
      roll: pose.roll,
      yawL: poseL.yaw,
      rollL: poseL.roll,
      eye: eyeOpenness(p).mean,
      mouth: mouthOpening(p),
      aspect: faceAspect(p),
      noseOffset: noseOffset(p),
      fiveOrdered: five[0]! < five[2]! && five[6]! < five[8]!,
      codes: assessQuality(faces, stats).codes,
    };
  },
};

declare global {
  interface Window {
    signalsTest: typeof api;
  }
}
window.signalsTest = api;
document.getElementById('status')!.textContent = 'ready';
