// Test people: faces in the MIT-licensed sample photos of @vladmandic/face-api (a devDependency
// here, an optional peer dependency of face-verify/testing), so no photo is committed or shipped.
// Each photo is a group; `region` is a square around one face (the face is too small for the
// detector in the whole 1920-px photo).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface SamplePerson {
  /** Path of the group photo. */
  photo: string;
  region: { x: number; y: number; width: number; height: number };
}

function demoDir(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('@vladmandic/face-api/package.json');
  } catch {
    throw new Error(
      "face-verify/testing: the sample people's photos come from @vladmandic/face-api " +
        '(MIT); add it to your devDependencies: npm install -D @vladmandic/face-api',
    );
  }
  return join(dirname(pkg), 'demo');
}

const around = (file: string, cx: number, cy: number, side = 720): SamplePerson => ({
  photo: join(demoDir(), file),
  region: {
    x: Math.max(0, cx - side / 2),
    y: Math.max(0, cy - side / 2),
    width: side,
    height: side,
  },
});

/**
 * Distinct people, each a near-frontal face. Face centres measured with our landmarker; other
 * faces in the frame are painted out. fay, ava and eve keep a high passive anti-spoof score on
 * rendered frames (≥ 0.78); bea is weaker (0.64–0.93); cleo and dana are not frontal enough
 * for the quality gate (pitch/roll) and serve only as extra faces.
 */
export const samplePeople = {
  ava: () => around('sample3.jpg', 1187, 372),
  bea: () => around('sample6.jpg', 781, 495),
  cleo: () => around('sample6.jpg', 1268, 465),
  dana: () => around('sample1.jpg', 935, 550),
  eve: () => around('sample6.jpg', 1593, 426),
  fay: () => around('sample3.jpg', 697, 477),
} as const;

export type SamplePersonName = keyof typeof samplePeople;
