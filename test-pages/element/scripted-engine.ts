// TEST ONLY — never shipped. A scripted EnginePort for component tests of the challenge and
// result screens, which Chromium's face-less fake camera cannot reach. The camera, endpoint
// client, crypto and endpoint stay real: the capture it returns is sealed, signed and judged by
// the real server. Only "what the models saw" is scripted:
//   guidance: `no-face` for the first frames, then good frames;
//   challenges: a short calibration, then each asked action is performed after `actMs`;
//   script 'wrong-once': the first step is answered with a wrong action once;
//   script 'fail': every attempt times out; 'spoof': anti-spoof score 0.02 (below the endpoint's 0.1).
// The vector is a deterministic unit vector per `face` seed (same seed → same person).

import type { Capture } from '../../src/api/client';
import type {
  ChallengeStartOptions,
  ChallengeReport,
  EngineOptions,
  EnginePort,
  Extraction,
  FrameReport,
} from '../../src/flow/effects';
import type { ChallengeKind } from '../../src/protocol/payload';

export interface Script {
  modelId: string;
  face: number;
  mode: 'pass' | 'wrong-once' | 'fail' | 'spoof';
  noFaceFrames: number;
  actMs: number;
}

function unitVector(seed: number): Float32Array {
  const v = new Float32Array(512);
  let s = (seed * 2654435761 + 1) >>> 0;
  let n = 0;
  for (let i = 0; i < v.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const x = s / 2 ** 32 - 0.5;
    v[i] = x;
    n += x * x;
  }
  const k = 1 / Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i] = v[i]! * k;
  return v;
}

export function scriptedEngine(script: Script) {
  return async (options: EngineOptions): Promise<EnginePort> => {
    options.onProgress(0.5);
    await new Promise((r) => setTimeout(r, 200));
    options.onProgress(1);
    return new ScriptedEngine(script);
  };
}

class ScriptedEngine implements EnginePort {
  readonly info: { backend: string; threads: number; modelId: string };
  private frames = 0;
  private order: readonly ChallengeKind[] = [];
  private opts: ChallengeStartOptions = { timeoutMs: 8000, maxAttempts: 3 };
  private started = 0;
  private index = 0;
  private attempt = 1;
  private stepStart = 0;
  private status: ChallengeReport['status'] = 'calibrating';
  private done: ChallengeReport['done'] = null;
  private evidence: Capture['liveness'] = [];

  constructor(private readonly script: Script) {
    this.info = { backend: 'wasm', threads: 1, modelId: script.modelId };
  }

  analyze(_video: HTMLVideoElement, t: number): FrameReport {
    this.frames++;
    if (this.started) this.advance(t);
    if (this.frames <= this.script.noFaceFrames) return { codes: ['no-face'], faces: 0 };
    return { codes: [], faces: 1 };
  }

  private advance(t: number): void {
    if (this.done) return;
    if (this.status === 'calibrating') {
      if (t - this.started < 400) return;
      this.status = 'pending';
      this.stepStart = t;
      return;
    }
    const elapsed = t - this.stepStart;
    if (this.script.mode === 'fail') {
      if (elapsed < Math.min(this.opts.timeoutMs, 1500)) return;
      if (this.attempt >= this.opts.maxAttempts) {
        this.done = 'failed';
        return;
      }
      this.attempt++;
      this.status = 'timeout';
      this.stepStart = t;
      return;
    }
    if (elapsed < this.script.actMs) return;
    if (this.script.mode === 'wrong-once' && this.index === 0 && this.attempt === 1) {
      this.attempt = 2;
      this.status = 'wrong';
      this.stepStart = t;
      return;
    }
    const origin = performance.timeOrigin;
    this.evidence.push({
      kind: this.order[this.index],
      // Inside the reaction window: started 200 ms after the prompt (actMs ≥ 320 ms).
      promptedAt: origin + this.stepStart,
      startedAt: origin + this.stepStart + 200,
      completedAt: origin + t,
      score: 0.9,
    });
    if (this.index + 1 >= this.order.length) {
      this.done = 'passed';
      this.status = 'passed';
      return;
    }
    this.index++;
    this.attempt = 1;
    this.status = 'pending';
    this.stepStart = t;
  }

  startChallenges(order: readonly ChallengeKind[], options: ChallengeStartOptions): void {
    this.order = order;
    this.opts = options;
    this.started = performance.now();
  }

  challenge(): ChallengeReport | null {
    if (!this.started) return null;
    return {
      index: this.index,
      attempt: this.attempt,
      status: this.status,
      done: this.done,
      reason: this.done === 'failed' ? 'timeout' : null,
    };
  }

  async extract(): Promise<Extraction> {
    await new Promise((r) => setTimeout(r, 300));
    const capture: Capture = {
      modelId: this.info.modelId,
      vectors: [unitVector(this.script.face)],
      liveness: this.evidence,
      antiSpoof: this.script.mode === 'spoof' ? 0.02 : 0.93,
      quality: { score: 0.9, brightness: 0.5, sharpness: 0.6, faceRatio: 0.4 },
    };
    return { kind: 'extraction', capture } as Extraction;
  }

  reset(): void {
    this.frames = 0;
    this.started = 0;
    this.index = 0;
    this.attempt = 1;
    this.status = 'calibrating';
    this.done = null;
    this.evidence = [];
  }

  dispose(): void {}
}
