// EnginePort over the real engine: MediaPipe landmarker + quality + challenge runner on the main
// thread, embedding and anti-spoof in the inference worker. Frames and landmarks stay in here;
// the flow sees guidance codes and challenge progress only.

import { measureFrame } from '../liveness/frame-stats';
import {
  FlowEffectError,
  type ChallengeStartOptions,
  type ChallengeReport,
  type EngineOptions,
  type EnginePort,
  type Extraction,
  type FrameReport,
} from '../flow/effects';
import { blockingCodes } from '../flow/machine';
import { createInference, type Inference } from '../inference/client';
import { ChallengeRunner, toWireEvidence } from '../liveness/challenges';
import { fivePoints } from '../liveness/fivepoints';
import { createLandmarker, type Landmarker } from '../liveness/landmarker';
import { assessQuality } from '../liveness/quality';
import { sampleFace } from '../liveness/signals';
import { iou } from '../liveness/box';
import type { Box, FaceObservation } from '../liveness/types';
import type { Capture } from '../api/client';
import { sessionAntiSpoof } from './anti-spoof-score';
import { cosine } from '../protocol/match';
import {
  isChallengeKind,
  MAX_ENROLL_VECTORS,
  MAX_FACES,
  type ChallengeKind,
} from '../protocol/payload';

/** A kept candidate frame for embedding: pixels never leave this module except to the worker. */
interface Keep {
  frame: ImageData;
  points: Float32Array;
  box: Box;
  score: number;
  brightness: number;
  sharpness: number;
  faceRatio: number;
  /** Which part of the session it comes from (-1 calibration, else the challenge step). */
  moment: number;
  /** Multi-face: the other faces the VIDEO path saw in this frame (may be one census old). */
  others: { points: Float32Array; box: Box }[];
}

/** The extraction handed to the API adapter; opaque to the flow and never put in an event. */
export interface EngineExtraction extends Extraction {
  readonly capture: Capture;
}

const KEEP = 3;
/** Kept frames are at least this far apart: templates come from different moments. */
const KEEP_INTERVAL_MS = 250;
/**
 * A kept frame becomes an extra template only if it is nearly as good as the best one and its
 * embedding agrees with the best one's (a frame of someone else, or a bad crop, never does:
 * genuine pairs score ≈ 0.7, impostors ≈ 0, docs/inference.md).
 */
const TEMPLATE_MIN_QUALITY_RATIO = 0.8;
const TEMPLATE_MIN_COSINE = 0.5;
/** Like quality's secondaryFaceRatio: smaller faces are people far behind, not searched. */
const OTHER_FACE_RATIO = 0.4;

export async function createEngine(options: EngineOptions): Promise<EnginePort> {
  let loaded = 0;
  const tick = () => options.onProgress(++loaded / 2);
  options.onProgress(0);
  // The worker is started first: its ORT runtime start-up is the longer path, and the
  // landmarker's synchronous set-up (WebGL probe) would otherwise delay it. Both are awaited
  // to the end so that whichever loaded is released when the other fails (no orphan worker).
  const [inference, landmarker] = await Promise.allSettled([
    createInference({
      assetBase: options.assetBase,
      backend: options.backend,
      signal: options.signal,
    }).then((i) => {
      tick();
      return i;
    }),
    createLandmarker({ assetBase: options.assetBase, signal: options.signal }).then((l) => {
      tick();
      return l;
    }),
  ]);
  if (inference.status === 'rejected' || landmarker.status === 'rejected') {
    if (inference.status === 'fulfilled') inference.value.dispose();
    if (landmarker.status === 'fulfilled') landmarker.value.close();
    const error: unknown =
      inference.status === 'rejected'
        ? inference.reason
        : (landmarker as PromiseRejectedResult).reason;
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new FlowEffectError('model-load-failed', message, { cause: error });
  }
  return new Engine(landmarker.value, inference.value);
}

class Engine implements EnginePort {
  private readonly canvas = new OffscreenCanvas(1, 1);
  private readonly ctx = this.canvas.getContext('2d', { willReadFrequently: true })!;
  private runner: ChallengeRunner | null = null;
  private kept: Keep[] = [];
  private lastKeep = -Infinity;
  private multiFace = false;
  private templates = 1;

  constructor(
    private readonly landmarker: Landmarker,
    private readonly inference: Inference,
  ) {}

  get info() {
    return {
      backend: this.inference.backend,
      threads: this.inference.threads,
      modelId: this.inference.modelId,
    };
  }

  analyze(video: HTMLVideoElement, t: number): FrameReport {
    const w = video.videoWidth;
    const h = video.videoHeight;
    if (!(w > 0 && h > 0)) {
      this.runner?.tick(t);
      return { codes: ['no-face'], faces: 0 };
    }
    const faces = this.landmarker.detect(video, t);
    const main = largest(faces);
    let stats = null;
    let frame: ImageData | null = null;
    if (main) {
      if (this.canvas.width !== w || this.canvas.height !== h) {
        this.canvas.width = w;
        this.canvas.height = h;
      }
      this.ctx.drawImage(video, 0, 0, w, h);
      const r = clampBox(main.box, w, h);
      if (r.width >= 3 && r.height >= 3) {
        stats = measureFrame(this.ctx.getImageData(r.x, r.y, r.width, r.height));
      }
      frame =
        this.runner && t - this.lastKeep >= KEEP_INTERVAL_MS
          ? this.ctx.getImageData(0, 0, w, h)
          : null;
    }
    const q = assessQuality(faces, stats);
    if (this.runner) {
      // Multi-face: only the primary (largest) face performs the challenges.
      const single = faces.length === 1 || this.multiFace;
      if (q.face && single) this.runner.push(sampleFace(q.face, t));
      else this.runner.tick(t);
      const ok = blockingCodes(q.codes, this.multiFace).length === 0;
      // Keep the best frontal, good frames seen during the challenges for the embedding.
      if (frame && ok && q.face && q.pose && stats) {
        this.lastKeep = t;
        const frontal = 1 - Math.min(1, (Math.abs(q.pose.yaw) + Math.abs(q.pose.pitch)) / 40);
        const sharp = Math.min(1, stats.sharpness / 200);
        this.keep({
          frame,
          points: fivePoints(q.face.landmarks),
          box: { ...q.face.box },
          score: 0.6 * frontal + 0.4 * sharp,
          brightness: stats.luminance / 255,
          sharpness: sharp,
          faceRatio: q.face.box.width / w,
          moment: momentOf(this.runner.state),
          others: this.multiFace ? otherFaces(q.face, faces) : [],
        });
      }
    }
    return { codes: q.codes, faces: faces.length };
  }

  /**
   * The best frame of each moment of the session (calibration, each challenge step): templates
   * then come from different moments (before and after each action), not from one second of
   * near-identical frames.
   */
  private keep(k: Keep): void {
    const same = this.kept.findIndex((o) => o.moment === k.moment);
    if (same >= 0) {
      if (this.kept[same]!.score >= k.score) return;
      this.kept.splice(same, 1);
    }
    this.kept.push(k);
    this.kept.sort((a, b) => b.score - a.score);
    this.kept.length = Math.min(this.kept.length, Math.max(KEEP, this.templates));
  }

  startChallenges(order: readonly ChallengeKind[], options: ChallengeStartOptions): void {
    // The list is typed, but it comes from the network: a newer server may name a kind this
    // build does not know.
    const known = order.filter(isChallengeKind);
    if (known.length !== order.length) {
      throw new FlowEffectError('rejected', 'endpoint issued an unknown challenge kind');
    }
    this.kept = [];
    this.lastKeep = -Infinity;
    this.multiFace = options.multiFace === true;
    this.templates = Math.max(1, Math.min(MAX_ENROLL_VECTORS, Math.round(options.templates ?? 1)));
    this.runner = new ChallengeRunner(known, {
      timeoutMs: options.timeoutMs,
      maxAttempts: options.maxAttempts,
    });
  }

  challenge(): ChallengeReport | null {
    const s = this.runner?.state;
    if (!s) return null;
    switch (s.phase) {
      case 'calibrating':
        return { index: 0, attempt: 1, status: 'calibrating', done: null, reason: null };
      case 'waiting':
        return { index: s.index, attempt: s.attempt, status: 'waiting', done: null, reason: null };
      case 'challenge':
        return {
          index: s.index,
          attempt: s.attempt,
          status: s.retry ? s.retry.reason : 'pending',
          done: null,
          reason: null,
        };
      case 'passed':
        return {
          index: s.evidence.length - 1,
          attempt: 1,
          status: 'passed',
          done: 'passed',
          reason: null,
        };
      case 'failed':
        return { index: s.index, attempt: 1, status: 'pending', done: 'failed', reason: s.reason };
    }
  }

  async extract(signal: AbortSignal): Promise<EngineExtraction> {
    const s = this.runner?.state;
    if (s?.phase !== 'passed')
      throw new FlowEffectError('liveness-failed', 'challenges not passed');
    const kept = this.kept;
    this.kept = [];
    if (kept.length === 0) throw new FlowEffectError('face-lost', 'no usable frame was kept');
    const best = kept[0]!;
    // Multi-face: the other faces of the best frame, before its pixels go to the worker.
    const others = this.multiFace ? await this.otherFacesOf(best) : [];
    const extra = [];
    for (const o of others) {
      if (signal.aborted) throw signal.reason;
      extra.push(await this.inference.analyze(best.frame, o.points, o.box, { transfer: false }));
    }
    const analyses = [];
    for (const k of kept) {
      if (signal.aborted) throw signal.reason;
      // Transfer: the worker takes the pixels; nothing of the frame remains on this side.
      analyses.push(await this.inference.analyze(k.frame, k.points, k.box));
    }
    const antiSpoof = sessionAntiSpoof(
      analyses.map((a) => a.live),
      extra.map((a) => a.live),
    );
    const capture: Capture = {
      modelId: this.inference.modelId,
      vectors: [...this.templatesOf(kept, analyses), ...extra.map((a) => a.embedding)],
      liveness: toWireEvidence(s.evidence, performance.timeOrigin),
      antiSpoof,
      quality: {
        score: best.score,
        brightness: best.brightness,
        sharpness: best.sharpness,
        faceRatio: best.faceRatio,
      },
    };
    this.runner = null;
    return { kind: 'extraction', capture };
  }

  /**
   * The primary face's vectors: the best frame's, then (enrol) those of other kept frames that
   * pass the quality and agreement gates, best first, up to `templates`.
   */
  private templatesOf(kept: readonly Keep[], analyses: readonly { embedding: Float32Array }[]) {
    const best = analyses[0]!.embedding;
    const out = [best];
    for (let i = 1; i < kept.length && out.length < this.templates; i++) {
      const e = analyses[i]!.embedding;
      const good = kept[i]!.score >= TEMPLATE_MIN_QUALITY_RATIO * kept[0]!.score;
      if (good && cosine(best, e) >= TEMPLATE_MIN_COSINE) out.push(e);
    }
    return out;
  }

  /**
   * The best frame's other faces, found again on that very frame (IMAGE mode): the VIDEO path's
   * extra faces may be a census old, and a moved face would be cropped wrongly. Falls back to
   * what the VIDEO path saw if the still pass fails.
   */
  private async otherFacesOf(k: Keep): Promise<{ points: Float32Array; box: Box }[]> {
    try {
      const faces = await this.landmarker.detectImage(k.frame);
      const main = faces.reduce<FaceObservation | null>(
        (a, f) => (a && iou(a.box, k.box) >= iou(f.box, k.box) ? a : f),
        null,
      );
      if (main && iou(main.box, k.box) >= 0.3) return otherFaces(main, faces);
    } catch {
      // keep the VIDEO path's faces
    }
    return k.others;
  }

  reset(): void {
    this.kept = [];
    this.runner = null;
    this.lastKeep = -Infinity;
    this.multiFace = false;
    this.templates = 1;
  }

  dispose(): void {
    this.kept = [];
    this.runner = null;
    this.landmarker.close();
    this.inference.dispose();
  }
}

function momentOf(s: ChallengeRunner['state']): number {
  return s.phase === 'waiting' || s.phase === 'challenge' ? s.index : -1;
}

function largest(faces: readonly FaceObservation[]): FaceObservation | null {
  let best: FaceObservation | null = null;
  for (const f of faces) {
    if (!best || f.box.width * f.box.height > best.box.width * best.box.height) best = f;
  }
  return best;
}

/** Faces other than `main`, distinct from it and each other, largest first, up to MAX_FACES - 1. */
function otherFaces(
  main: FaceObservation,
  faces: readonly FaceObservation[],
): { points: Float32Array; box: Box }[] {
  const out: FaceObservation[] = [];
  const area = (f: FaceObservation) => f.box.width * f.box.height;
  for (const f of [...faces].sort((a, b) => area(b) - area(a))) {
    if (f === main || f.box.width < OTHER_FACE_RATIO * main.box.width) continue;
    if ([main, ...out].some((o) => iou(o.box, f.box) >= 0.3)) continue;
    out.push(f);
    if (out.length >= MAX_FACES - 1) break;
  }
  return out.map((f) => ({ points: fivePoints(f.landmarks), box: { ...f.box } }));
}

function clampBox(b: Box, w: number, h: number): Box {
  const x = Math.max(0, Math.floor(b.x));
  const y = Math.max(0, Math.floor(b.y));
  return {
    x,
    y,
    width: Math.max(0, Math.min(w, Math.ceil(b.x + b.width)) - x),
    height: Math.max(0, Math.min(h, Math.ceil(b.y + b.height)) - y),
  };
}
