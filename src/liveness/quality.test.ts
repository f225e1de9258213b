import { describe, expect, it } from 'vitest';
import type { FrameStats } from './frame-stats';
import { assessQuality, GUIDANCE_CODES, StableFrameGate } from './quality';
import { syntheticFace } from './testing/synthetic-face';
import { LivenessInputError } from './types';

const good: FrameStats = { luminance: 130, darkFraction: 0, brightFraction: 0, sharpness: 80 };

describe('assessQuality', () => {
  it('accepts a centred, frontal, well-lit, sharp face', () => {
    const r = assessQuality([syntheticFace()], good);
    expect(r).toMatchObject({ ok: true, codes: [] });
    expect(r.pose!.yaw).toBeCloseTo(0, 3);
  });

  it.each([
    ['no-face', [], good],
    ['multiple-faces', [syntheticFace({ cx: 200 }), syntheticFace({ cx: 440, scale: 1.1 })], good],
    ['too-dark', [syntheticFace()], { ...good, luminance: 30 }],
    ['too-dark', [syntheticFace()], { ...good, darkFraction: 0.5 }],
    ['too-bright', [syntheticFace()], { ...good, luminance: 240 }],
    ['too-bright', [syntheticFace()], { ...good, brightFraction: 0.4 }],
    ['blurred', [syntheticFace()], { ...good, sharpness: 3 }],
    ['too-far', [syntheticFace({ scale: 0.5 })], good],
    ['too-close', [syntheticFace({ scale: 3 })], good],
    ['off-centre', [syntheticFace({ cx: 160 })], good],
    ['partly-outside', [syntheticFace({ cx: 60 })], good],
    ['not-frontal', [syntheticFace({ yaw: 35 })], good],
    ['not-frontal', [syntheticFace({ pitch: -30 })], good],
    ['not-frontal', [syntheticFace({ roll: 30 })], good],
  ] as const)('raises %s', (expected, faces, stats) => {
    const r = assessQuality(faces, stats);
    expect(r.ok).toBe(false);
    expect(r.codes).toContain(expected);
  });

  it('ignores a small face far behind the person', () => {
    const r = assessQuality([syntheticFace(), syntheticFace({ cx: 80, cy: 80, scale: 0.3 })], good);
    expect(r.codes).not.toContain('multiple-faces');
    expect(r.face!.box.width).toBeGreaterThan(150);
  });

  it('lists codes in priority order, most important first', () => {
    const r = assessQuality([syntheticFace({ cx: 40, yaw: 35 })], { ...good, luminance: 20 });
    expect(r.codes[0]).toBe('too-dark');
    const order = r.codes.map((c) => GUIDANCE_CODES.indexOf(c));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(r.codes).toEqual(
      expect.arrayContaining(['partly-outside', 'off-centre', 'not-frontal']),
    );
  });

  it('does not judge blur in bad light, and skips pixel checks without stats', () => {
    expect(
      assessQuality([syntheticFace()], { ...good, luminance: 20, sharpness: 0 }).codes,
    ).toEqual(['too-dark']);
    expect(assessQuality([syntheticFace()], null).ok).toBe(true);
  });

  it('honours option overrides', () => {
    const f = syntheticFace({ yaw: 25 });
    expect(assessQuality([f], good).codes).toEqual(['not-frontal']);
    expect(assessQuality([f], good, { maxYaw: 30 }).ok).toBe(true);
  });

  it('throws typed errors on bad input', () => {
    const bad = (fn: () => unknown) => expect(fn).toThrow(LivenessInputError);
    bad(() => assessQuality(null as never, good));
    bad(() => assessQuality([syntheticFace()], { ...good, luminance: Number.NaN }));
    bad(() => assessQuality([syntheticFace()], good, { maxYaw: -1 }));
    bad(() =>
      assessQuality([{ ...syntheticFace(), box: { x: 0, y: 0, width: 0, height: 5 } }], good),
    );
    const nan = syntheticFace();
    nan.landmarks[7] = Number.NaN;
    bad(() => assessQuality([nan], good));
  });
});

describe('StableFrameGate', () => {
  const box = { x: 100, y: 100, width: 200, height: 240 };

  it('opens after good frames hold still for holdMs', () => {
    const g = new StableFrameGate({ holdMs: 500 });
    let st = g.update(0, true, box);
    expect(st.stable).toBe(false);
    for (let t = 33; t < 500; t += 33) expect(g.update(t, true, box).stable).toBe(false);
    st = g.update(533, true, { ...box, x: box.x + 2 });
    expect(st).toEqual({ stable: true, heldMs: 533 });
  });

  it('restarts on a bad frame or a jump of the face', () => {
    const g = new StableFrameGate({ holdMs: 300 });
    g.update(0, true, box);
    g.update(200, false, box);
    expect(g.update(400, true, box).heldMs).toBe(0);
    expect(g.update(800, true, box).stable).toBe(true);
    expect(g.update(833, true, { ...box, x: box.x + 60 }).heldMs).toBe(0);
    expect(g.update(866, true, { ...box, x: box.x + 60, width: 260 }).heldMs).toBe(0);
  });

  it('rejects time going backwards and bad options', () => {
    const g = new StableFrameGate();
    g.update(100, true, box);
    expect(() => g.update(50, true, box)).toThrow(
      expect.objectContaining({ code: 'non-monotonic-time' }),
    );
    expect(() => g.update(Number.NaN, true, box)).toThrow(LivenessInputError);
    expect(() => new StableFrameGate({ holdMs: -5 })).toThrow(LivenessInputError);
  });
});
