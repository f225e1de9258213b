import { describe, expect, it } from 'vitest';
import { sessionAntiSpoof } from './anti-spoof-score';

describe('sessionAntiSpoof', () => {
  it('one low frame of a live face does not decide', () => {
    expect(sessionAntiSpoof([0.9, 0.2, 0.8], [])).toBe(0.8);
  });
  it('a replay that scores low in most frames is still low', () => {
    expect(sessionAntiSpoof([0.1, 0.9, 0.2], [])).toBe(0.2);
  });
  it('takes the lower middle of an even count', () => {
    expect(sessionAntiSpoof([0.9, 0.1, 0.7, 0.3], [])).toBe(0.3);
    expect(sessionAntiSpoof([0.6, 0.4], [])).toBe(0.4);
  });
  it('every other face counts on its own (a photo beside a live person)', () => {
    expect(sessionAntiSpoof([0.9, 0.9, 0.9], [0.95, 0.05])).toBe(0.05);
  });
  it('refuses to score nothing', () => {
    expect(() => sessionAntiSpoof([], [0.9])).toThrow(RangeError);
  });
});
