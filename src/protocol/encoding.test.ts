// Canonical codec: one encoding per value, strict decoding with stable error codes.

import { describe, expect, it } from 'vitest';
import { ProtocolError } from './errors';
import { constantTimeEqual, fromBase64Url, toBase64Url } from './encoding';
import { decodePayload, encodePayload, type SubmissionPayload } from './payload';
import { DEFAULT_LIVENESS_POLICY, checkLiveness, checkVector } from './session';

const vec = () => {
  const v = new Float32Array(512);
  v[0] = 1;
  return v;
};

const payload = (): SubmissionPayload => ({
  version: 2,
  sessionId: 'sess-1',
  nonce: new Uint8Array(32).fill(9),
  purpose: 'verify',
  subject: 'u-1 (用户)',
  modelId: 'fr_feature',
  vectors: [vec()],
  liveness: [
    { kind: 'blink', promptedAt: 400, startedAt: 1000, completedAt: 1300, score: 0.75 },
    { kind: 'turn-left', promptedAt: 1300, startedAt: 1500, completedAt: 2400, score: 0.5 },
    { kind: 'open-mouth', promptedAt: 2400, startedAt: 2600, completedAt: 3000, score: 1 },
  ],
  antiSpoof: 0.875,
  quality: { score: 0.5, brightness: 0.25, sharpness: 0.125, faceRatio: 0.375 },
  clientTime: 3100,
});

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return e instanceof ProtocolError ? e.code : `not a ProtocolError: ${String(e)}`;
  }
  return undefined;
};

describe('base64url', () => {
  it('round-trips every length and rejects padding, foreign and non-canonical input', () => {
    for (let n = 0; n < 70; n++) {
      const b = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
      expect(fromBase64Url(toBase64Url(b))).toEqual(b);
    }
    expect(toBase64Url(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
    expect(codeOf(() => fromBase64Url('AA=='))).toBe('bad_request');
    expect(codeOf(() => fromBase64Url('A+B/'))).toBe('bad_request');
    expect(codeOf(() => fromBase64Url('A'))).toBe('bad_request');
    expect(codeOf(() => fromBase64Url('AB'))).toBe('bad_request'); // non-zero unused bits
  });

  it('constant-time equality compares content and length', () => {
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1]), new Uint8Array([1, 0]))).toBe(false);
  });
});

describe('payload codec', () => {
  it('round-trips exactly and is deterministic', () => {
    const p = payload();
    const a = encodePayload(p);
    expect(encodePayload(p)).toEqual(a);
    const back = decodePayload(a);
    expect(back).toEqual(p);
    expect(a.length).toBe(
      4 + 1 + 2 + 6 + 32 + 1 + 2 + 12 + 2 + 10 + 1 + 2048 + 1 + 3 * 29 + 4 + 16 + 8,
    );
  });

  it('rejects every truncation and any trailing byte with malformed_payload', () => {
    const a = encodePayload(payload());
    for (let n = 0; n < a.length; n += 7) {
      expect(codeOf(() => decodePayload(a.slice(0, n)))).toBe('malformed_payload');
    }
    expect(codeOf(() => decodePayload(new Uint8Array([...a, 0])))).toBe('malformed_payload');
  });

  it('rejects bad magic, version, enums and counts', () => {
    const a = encodePayload(payload());
    const at = (i: number, v: number) => {
      const b = a.slice();
      b[i] = v;
      return b;
    };
    expect(codeOf(() => decodePayload(at(0, 0)))).toBe('malformed_payload');
    expect(codeOf(() => decodePayload(at(4, 1)))).toBe('unsupported_version');
    const purposeAt = 4 + 1 + 2 + 6 + 32;
    expect(codeOf(() => decodePayload(at(purposeAt, 9)))).toBe('malformed_payload');
    const countAt = purposeAt + 1 + 2 + 12 + 2 + 10;
    expect(codeOf(() => decodePayload(at(countAt, 0)))).toBe('malformed_payload');
    expect(codeOf(() => decodePayload(at(countAt, 11)))).toBe('malformed_payload');
    expect(codeOf(() => decodePayload(at(countAt + 1 + 2048 + 1, 7)))).toBe('malformed_payload');
  });
});

describe('plausibility checks', () => {
  it('vectors: length, finiteness and unit norm', () => {
    expect(codeOf(() => checkVector(vec()))).toBeUndefined();
    expect(codeOf(() => checkVector(new Float32Array(511)))).toBe('bad_vector');
    const nan = vec();
    nan[5] = Number.NaN;
    expect(codeOf(() => checkVector(nan))).toBe('bad_vector');
    const inf = vec();
    inf[5] = Number.POSITIVE_INFINITY;
    expect(codeOf(() => checkVector(inf))).toBe('bad_vector');
    expect(codeOf(() => checkVector(vec().map((x) => x * 3)))).toBe('bad_vector');
    expect(codeOf(() => checkVector(new Float32Array(512)))).toBe('bad_vector');
  });

  it('liveness: issued order, durations, overlap, scores', () => {
    const p = payload();
    const issued = ['blink', 'turn-left', 'open-mouth'] as const;
    expect(codeOf(() => checkLiveness(issued, p.liveness, p.clientTime))).toBeUndefined();
    expect(
      codeOf(() => checkLiveness(['turn-left', 'blink', 'open-mouth'], p.liveness, p.clientTime)),
    ).toBe('liveness_order');
    expect(codeOf(() => checkLiveness(issued, p.liveness.slice(0, 2), p.clientTime))).toBe(
      'liveness_order',
    );
    const overlap = p.liveness.map((e) => ({ ...e }));
    overlap[1]!.startedAt = 700; // 600 ms before the previous completion
    overlap[1]!.promptedAt = 500;
    expect(codeOf(() => checkLiveness(issued, overlap, p.clientTime))).toBe('liveness_timing');
    expect(codeOf(() => checkLiveness(issued, p.liveness, 2900))).toBe('liveness_timing');
    const weak = p.liveness.map((e) => ({ ...e, score: 0.2 }));
    expect(codeOf(() => checkLiveness(issued, weak, p.clientTime))).toBe('liveness_score');
    const nan = p.liveness.map((e) => ({ ...e, startedAt: Number.NaN }));
    expect(codeOf(() => checkLiveness(issued, nan, p.clientTime))).toBe('liveness_timing');
    const nanPrompt = p.liveness.map((e) => ({ ...e, promptedAt: Number.NaN }));
    expect(codeOf(() => checkLiveness(issued, nanPrompt, p.clientTime))).toBe('liveness_timing');
  });

  it('liveness: every action starts inside its reaction window, prompts follow completions', () => {
    const p = payload();
    const issued = ['blink', 'turn-left', 'open-mouth'] as const;
    const check = (i: number, change: Partial<SubmissionPayload['liveness'][number]>) => {
      const ev = p.liveness.map((e) => ({ ...e }));
      Object.assign(ev[i]!, change);
      return codeOf(() => checkLiveness(issued, ev, p.clientTime));
    };
    // Exactly on the window's edges (150 ms and 1200 ms after the prompt) is accepted.
    expect(check(1, { promptedAt: 1350 })).toBeUndefined();
    expect(check(0, { promptedAt: -200 })).toBeUndefined();
    // Started before the prompt, too soon after it (anticipation), or far too late.
    expect(check(1, { promptedAt: 1600 })).toBe('liveness_timing');
    expect(check(1, { promptedAt: 1400 })).toBe('liveness_timing');
    expect(check(0, { promptedAt: -201 })).toBe('liveness_timing');
    // A prompt shown before the previous action was confirmed.
    expect(check(2, { promptedAt: 2399 })).toBe('liveness_timing');
    // The window is policy: a stricter endpoint rejects what the default accepts.
    const strict = { ...DEFAULT_LIVENESS_POLICY, maxReactionMs: 500 };
    expect(codeOf(() => checkLiveness(issued, p.liveness, p.clientTime, strict))).toBe(
      'liveness_timing',
    );
  });
});
