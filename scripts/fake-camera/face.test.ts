import { describe, expect, it } from 'vitest';
import { eyeOpenness, headPoseFromLandmarks, mouthOpening } from '../../src/liveness/signals';
import { syntheticFace } from '../../src/liveness/testing/synthetic-face';
import { createFaceModel, NEUTRAL, poseFace } from './face';

// The pose deformations, measured with the liveness engine's own signal functions on a
// geometric 478-point face: each action must move its signal the way the detector expects.

const model = createFaceModel(syntheticFace().landmarks, 640, 480);
const at = (pose: Partial<typeof NEUTRAL>) => poseFace(model, { ...NEUTRAL, ...pose }).landmarks;

describe('poseFace', () => {
  it('leaves the face alone in the neutral pose', () => {
    const lm = at({});
    for (let i = 0; i < lm.length; i++) {
      if (i % 3 !== 2) expect(lm[i]).toBeCloseTo(model.landmarks[i]!, 3);
    }
  });

  it('closes both eyes for a blink', () => {
    const open = eyeOpenness(at({})).mean;
    const shut = eyeOpenness(at({ eyeClosed: 1 }));
    expect(shut.left).toBeLessThan(open * 0.2);
    expect(shut.right).toBeLessThan(open * 0.2);
    expect(eyeOpenness(at({ eyeClosed: 0.5 })).mean).toBeLessThan(open * 0.7);
  });

  it('opens the mouth well past the 0.25 detector threshold', () => {
    const closed = mouthOpening(at({}));
    expect(mouthOpening(at({ mouthOpen: 1 })) - closed).toBeGreaterThan(0.35);
  });

  it("turns to the person's own left for yaw > 0 and right for yaw < 0", () => {
    const neutral = headPoseFromLandmarks(at({})).yaw;
    expect(headPoseFromLandmarks(at({ yaw: 30 })).yaw - neutral).toBeGreaterThan(18);
    expect(headPoseFromLandmarks(at({ yaw: -30 })).yaw - neutral).toBeLessThan(-18);
    // The nose tip moves towards image right when turning to the person's left.
    expect(at({ yaw: 30 })[3 * 1]!).toBeGreaterThan(at({})[3 * 1]!);
  });

  it('keeps the background anchors fixed and orders far triangles first when turned', () => {
    const posed = poseFace(model, { ...NEUTRAL, yaw: 25 });
    const [start] = model.innerRing;
    for (let i = 2 * 478; i < 2 * start; i++) expect(posed.points[i]).toBe(model.points[i]);
    expect(posed.order).toHaveLength(model.triangles.length);
    expect(new Set(posed.order).size).toBe(model.triangles.length);
  });
});
