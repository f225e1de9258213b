// face-api.js (@vladmandic/face-api) as the accuracy bench's peer: its own detector
// (Tiny Face Detector by default, SSD MobileNet v1 on request), 68 landmarks and 128-d descriptor, weights served from its package.
import * as faceapi from '@vladmandic/face-api/dist/face-api.esm.js';

const MODELS = '/node_modules/@vladmandic/face-api/model/';
// The bundled tfjs typings omit these two functions.
const tf = faceapi.tf as unknown as {
  ready(): Promise<void>;
  getBackend(): string;
  setBackend(name: string): Promise<boolean>;
};

let detector: 'tiny' | 'ssd' = 'tiny';

/** `cpu` avoids headless Chromium's software WebGL, which is far slower for these nets. */
async function init(
  backend = 'cpu',
  detectorName: 'tiny' | 'ssd' = 'tiny',
): Promise<{ backend: string; detector: string }> {
  await tf.setBackend(backend);
  await tf.ready();
  detector = detectorName;
  await Promise.all([
    detector === 'ssd'
      ? faceapi.nets.ssdMobilenetv1.loadFromUri(MODELS)
      : faceapi.nets.tinyFaceDetector.loadFromUri(MODELS),
    faceapi.nets.faceLandmark68Net.loadFromUri(MODELS),
    faceapi.nets.faceRecognitionNet.loadFromUri(MODELS),
  ]);
  return { backend: tf.getBackend(), detector };
}

/** 128-d descriptor of the most confident face, or null when none is found. */
async function describe(url: string, maxSide = 1280): Promise<number[] | null> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const bitmap = await createImageBitmap(await response.blob());
  const k = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * k);
  canvas.height = Math.round(bitmap.height * k);
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const result = await faceapi
    .detectSingleFace(
      canvas,
      detector === 'ssd'
        ? new faceapi.SsdMobilenetv1Options({ minConfidence: 0.3 })
        : new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.3 }),
    )
    .withFaceLandmarks()
    .withFaceDescriptor();
  return result ? Array.from(result.descriptor) : null;
}

const peer = { init, describe };
declare global {
  interface Window {
    fvPeer: typeof peer;
  }
}
window.fvPeer = peer;
document.body.dataset['ready'] = 'true';
