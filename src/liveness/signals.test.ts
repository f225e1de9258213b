import { describe, expect, it } from 'vitest';
import {
  eyeOpenness,
  faceAspect,
  headPose,
  headPoseFromLandmarks,
  headPoseFromMatrix,
  mouthOpening,
  sampleFace,
} from './signals';
import { NOSE_TIP, RIGHT_EYE, LEFT_EYE } from './landmark-indices';
import { syntheticFace } from './testing/synthetic-face';
import { LivenessInputError } from './types';

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return e instanceof LivenessInputError ? e.code : `untyped: ${String(e)}`;
  }
  return undefined;
};

describe('eyeOpenness', () => {
  it('is about 0.29 for open eyes and near 0 for shut eyes', () => {
    const open = eyeOpenness(syntheticFace().landmarks);
    expect(open.mean).toBeCloseTo(0.289, 2);
    expect(open.left).toBeCloseTo(open.right, 5);
    expect(eyeOpenness(syntheticFace({ eye: 0.05 }).landmarks).mean).toBeLessThan(0.02);
  });

  it('does not depend on the distance to the camera', () => {
    const near = eyeOpenness(syntheticFace({ scale: 2 }).landmarks).mean;
    const far = eyeOpenness(syntheticFace({ scale: 0.6 }).landmarks).mean;
    expect(near).toBeCloseTo(far, 3);
  });

  it('falls monotonically as the lids close', () => {
    const v = [1, 0.75, 0.5, 0.25, 0].map(
      (eye) => eyeOpenness(syntheticFace({ eye }).landmarks).mean,
    );
    for (let i = 1; i < v.length; i++) expect(v[i]).toBeLessThan(v[i - 1]!);
  });
});

describe('mouthOpening', () => {
  it('is the inner-lip gap over the mouth width', () => {
    expect(mouthOpening(syntheticFace({ mouthGap: 0 }).landmarks)).toBeCloseTo(0, 3);
    expect(mouthOpening(syntheticFace({ mouthGap: 20 }).landmarks)).toBeCloseTo(0.4, 2);
  });
});

describe('headPose', () => {
  it('turning to the person’s own left moves the nose to the image right and reads yaw > 0', () => {
    const f = syntheticFace({ yaw: 25 });
    const lm = f.landmarks;
    const eyesMidX = (lm[3 * RIGHT_EYE.outer]! + lm[3 * LEFT_EYE.outer]!) / 2;
    // The premise of the sign convention, checked on the generator itself.
    expect(lm[3 * NOSE_TIP]!).toBeGreaterThan(eyesMidX);
    expect(headPoseFromMatrix(f.matrix!).yaw).toBeCloseTo(25, 3);
    expect(headPoseFromLandmarks(lm).yaw).toBeCloseTo(25, 0);
  });

  it('reads pitch > 0 for chin up and roll > 0 when the person’s left eye rises', () => {
    const up = syntheticFace({ pitch: 15 });
    expect(headPoseFromMatrix(up.matrix!).pitch).toBeCloseTo(15, 3);
    expect(headPoseFromLandmarks(up.landmarks).pitch).toBeGreaterThan(10);
    const tilt = syntheticFace({ roll: 12 });
    const lm = tilt.landmarks;
    expect(lm[3 * LEFT_EYE.outer + 1]!).toBeLessThan(lm[3 * RIGHT_EYE.outer + 1]!); // higher = smaller y
    expect(headPoseFromMatrix(tilt.matrix!).roll).toBeCloseTo(12, 3);
    expect(headPoseFromLandmarks(lm).roll).toBeCloseTo(12, 0);
  });

  it('matrix and landmark paths agree on combined poses', () => {
    for (const p of [
      { yaw: -30, pitch: 5, roll: -8 },
      { yaw: 15, pitch: -12, roll: 4 },
    ]) {
      const f = syntheticFace(p);
      const m = headPoseFromMatrix(f.matrix!);
      const l = headPoseFromLandmarks(f.landmarks);
      expect(m.yaw).toBeCloseTo(p.yaw, 0);
      expect(Math.abs(l.yaw - m.yaw)).toBeLessThan(2);
      expect(Math.abs(l.pitch - m.pitch)).toBeLessThan(4);
      expect(Math.abs(l.roll - m.roll)).toBeLessThan(2);
    }
  });

  it('accepts a row-major matrix too', () => {
    const f = syntheticFace({ yaw: -20, pitch: 10 });
    const row = new Float32Array(16);
    for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) row[r * 4 + c] = f.matrix![c * 4 + r]!;
    const a = headPoseFromMatrix(f.matrix!);
    const b = headPoseFromMatrix(row);
    expect(b.yaw).toBeCloseTo(a.yaw, 4);
    expect(b.pitch).toBeCloseTo(a.pitch, 4);
  });

  it('uses the matrix when present and landmarks otherwise', () => {
    const f = syntheticFace({ yaw: 20 });
    expect(headPose(f).yaw).toBeCloseTo(20, 3);
    expect(headPose({ ...f, matrix: null }).yaw).toBeCloseTo(20, 0);
  });
});

describe('faceAspect', () => {
  it('shrinks with vertical foreshortening and ignores the eyelids', () => {
    const a = faceAspect(syntheticFace().landmarks);
    expect(a).toBeGreaterThan(0.3);
    expect(faceAspect(syntheticFace({ squashY: 0.5 }).landmarks)).toBeCloseTo(a / 2, 3);
    expect(faceAspect(syntheticFace({ eye: 0 }).landmarks)).toBeCloseTo(a, 5);
  });
});

describe('sampleFace', () => {
  it('bundles all signals with the timestamp', () => {
    const s = sampleFace(syntheticFace({ yaw: 10, mouthGap: 10 }), 42);
    expect(s.t).toBe(42);
    expect(s.yaw).toBeCloseTo(10, 3);
    expect(s.mouth).toBeGreaterThan(0.15);
    expect(s.eye).toBeGreaterThan(0.25);
  });
});

describe('bad input', () => {
  it('rejects a wrong landmark count', () => {
    expect(code(() => eyeOpenness(new Float32Array(100)))).toBe('bad-landmarks');
    expect(code(() => mouthOpening([] as number[]))).toBe('bad-landmarks');
  });

  it('rejects NaN landmarks', () => {
    const lm = syntheticFace().landmarks.slice();
    lm[500] = Number.NaN;
    expect(code(() => eyeOpenness(lm))).toBe('bad-landmarks');
    expect(code(() => headPoseFromLandmarks(lm))).toBe('bad-landmarks');
  });

  it('rejects degenerate geometry (all points equal)', () => {
    expect(code(() => eyeOpenness(new Float32Array(478 * 3)))).toBe('bad-landmarks');
    expect(code(() => headPoseFromLandmarks(new Float32Array(478 * 3)))).toBe('bad-landmarks');
  });

  it('rejects a malformed matrix', () => {
    expect(code(() => headPoseFromMatrix(new Float32Array(9)))).toBe('bad-matrix');
    const m = syntheticFace().matrix!.slice();
    m[0] = Number.POSITIVE_INFINITY;
    expect(code(() => headPoseFromMatrix(m))).toBe('bad-matrix');
  });

  it('accepts 468 points (no iris) for the signals', () => {
    const lm = syntheticFace().landmarks.slice(0, 468 * 3);
    expect(eyeOpenness(lm).mean).toBeCloseTo(0.289, 2);
  });
});
