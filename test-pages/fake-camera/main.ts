// Our own landmarker and signals on frames sent from Node (scripts/fake-camera/browser.ts):
// landmarks for a still photo, and the per-frame traces that prove a clip shows its actions.
import { createLandmarker, type FaceObservation } from '../../src/liveness/landmarker';
import { eyeOpenness, faceAspect, headPose, mouthOpening } from '../../src/liveness/signals';
import { createInference, type Inference } from '../../src/inference/client';
import { fivePoints } from '../../src/liveness/fivepoints';

export interface StillFace {
  landmarks: number[];
  box: FaceObservation['box'];
}

export interface TraceRow {
  t: number;
  faces: number;
  eye: number | null;
  mouth: number | null;
  yaw: number | null;
  pitch: number | null;
  /** Face aspect (blink detection discounts foreshortening with it). */
  aspect: number | null;
}

declare global {
  interface Window {
    fakeCamera: {
      ready: Promise<void>;
      detect(jpegBase64: string): Promise<StillFace[]>;
      /** Passive anti-spoof live probability of the largest face (the element's own model). */
      live(jpegBase64: string): Promise<number | null>;
      /** `fresh`: a new clip (break tracking); otherwise continue the previous batch. */
      trace(jpegBase64: string[], fps: number, fresh: boolean): Promise<TraceRow[]>;
      /** The element's embedding of the largest face (benchmarks only; never printed). */
      embed(jpegBase64: string): Promise<number[] | null>;
    };
  }
}

const landmarker = createLandmarker({ assetBase: '/', numFaces: 4 });
let inference: Promise<Inference> | null = null;
// VIDEO-mode timestamps must keep increasing across trace calls.
let clock = 0;

async function bitmap(b64: string): Promise<ImageBitmap> {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return createImageBitmap(new Blob([bytes], { type: 'image/jpeg' }));
}

/** The image, the largest face in it and the (lazily started) inference engine; null: no face. */
async function largestFace(b64: string) {
  const lm = await landmarker;
  inference ??= createInference({ assetBase: '/', backend: 'wasm' });
  const inf = await inference;
  const bmp = await bitmap(b64);
  const faces = await lm.detectImage(bmp);
  const face = faces.sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)[0];
  return face ? { inf, bmp, face } : null;
}

window.fakeCamera = {
  ready: landmarker.then(() => undefined),
  async detect(b64) {
    const lm = await landmarker;
    const faces = await lm.detectImage(await bitmap(b64));
    return faces.map((f) => ({ landmarks: Array.from(f.landmarks), box: f.box }));
  },
  async embed(b64) {
    const it = await largestFace(b64);
    return it && Array.from(await it.inf.embed(it.bmp, fivePoints(it.face.landmarks)));
  },
  async live(b64) {
    const it = await largestFace(b64);
    return it && it.inf.antispoof(it.bmp, it.face.box);
  },
  async trace(frames, fps, fresh) {
    const lm = await landmarker;
    if (fresh) clock += 10_000;
    const rows: TraceRow[] = [];
    for (let i = 0; i < frames.length; i++) {
      const t = (i * 1000) / fps;
      const faces = lm.detect(await bitmap(frames[i]!), clock + t);
      const f = faces[0];
      rows.push({
        t: Math.round(t),
        faces: faces.length,
        eye: f ? eyeOpenness(f.landmarks).mean : null,
        mouth: f ? mouthOpening(f.landmarks) : null,
        yaw: f ? headPose(f).yaw : null,
        pitch: f ? headPose(f).pitch : null,
        aspect: f ? faceAspect(f.landmarks) : null,
      });
    }
    clock += frames.length * (1000 / fps);
    return rows;
  },
};
