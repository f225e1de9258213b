import { describe, expect, it } from 'vitest';
import { MAX_ENROLL_VECTORS, PROBE_FRAMES } from '../../protocol/payload';
import { framesFor } from './flow-controller';

describe('framesFor', () => {
  it('enrolment keeps as many templates as the endpoint takes', () => {
    expect(framesFor('enroll')).toBe(MAX_ENROLL_VECTORS);
  });
  it('verify and add-device send several probe frames, identify one vector per face', () => {
    expect(framesFor('verify')).toBe(PROBE_FRAMES);
    expect(framesFor('add-device')).toBe(PROBE_FRAMES);
    expect(PROBE_FRAMES).toBeGreaterThan(1);
    expect(PROBE_FRAMES).toBeLessThanOrEqual(MAX_ENROLL_VECTORS);
    expect(framesFor('identify')).toBe(1);
  });
});
