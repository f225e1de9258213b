// What MediaPipe is fed: validated image sources, scaled down to at most `maxSize` px.
import type { Box } from '../types';
import { LandmarkerError } from './errors';

export function sourceSize(source: TexImageSource): [number, number] {
  const s = source as Partial<
    HTMLVideoElement & HTMLImageElement & VideoFrame & { width: number; height: number }
  >;
  if (typeof s.videoWidth === 'number') return [s.videoWidth, s.videoHeight ?? 0];
  if (typeof s.naturalWidth === 'number') return [s.naturalWidth, s.naturalHeight ?? 0];
  if (typeof s.displayWidth === 'number') return [s.displayWidth, s.displayHeight ?? 0];
  if (typeof s.width === 'number') return [s.width, s.height ?? 0];
  return [0, 0];
}

function isImageSource(value: unknown): value is TexImageSource {
  const kinds = [
    globalThis.ImageBitmap,
    globalThis.ImageData,
    globalThis.HTMLImageElement,
    globalThis.HTMLCanvasElement,
    globalThis.HTMLVideoElement,
    globalThis.OffscreenCanvas,
    globalThis.VideoFrame,
  ];
  return kinds.some((k) => typeof k === 'function' && value instanceof k);
}

/** Draws frames no larger than `maxSize` on a reused canvas; small frames pass through. */
export class Downscaler {
  private canvas: OffscreenCanvas | null = null;
  private ctx: OffscreenCanvasRenderingContext2D | null = null;
  private staging: OffscreenCanvas | null = null;

  constructor(private readonly maxSize: number) {}

  /** Validates the source and returns what to feed MediaPipe: the source itself when small
   *  enough, else a scaled copy of it, or of `region` of it. */
  prepare(
    source: TexImageSource,
    region?: Box,
  ): { image: TexImageSource; width: number; height: number; region: Box } {
    if (!isImageSource(source)) throw new LandmarkerError('bad-input', 'not an image source');
    const [width, height] = sourceSize(source);
    if (!(width > 0 && height > 0)) {
      throw new LandmarkerError('bad-input', `frame has no pixels (${width}x${height})`);
    }
    const r = region ?? { x: 0, y: 0, width, height };
    const scale = Math.min(1, this.maxSize / Math.max(r.width, r.height));
    if (scale === 1 && !region && !(source instanceof ImageData)) {
      return { image: source, width, height, region: r };
    }
    const w = Math.max(1, Math.round(r.width * scale));
    const h = Math.max(1, Math.round(r.height * scale));
    if (!this.canvas || !this.ctx) {
      this.canvas = new OffscreenCanvas(w, h);
      this.ctx = this.canvas.getContext('2d', { willReadFrequently: false });
      if (!this.ctx) throw new LandmarkerError('no-webgl', '2D canvas is not available');
    }
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
    }
    let drawable: CanvasImageSource;
    if (source instanceof ImageData) {
      // ImageData cannot be drawn scaled directly: stage it at full size first.
      this.staging ??= new OffscreenCanvas(width, height);
      this.staging.width = width;
      this.staging.height = height;
      this.staging.getContext('2d')!.putImageData(source, 0, 0);
      drawable = this.staging;
    } else {
      drawable = source;
    }
    this.ctx.drawImage(drawable, r.x, r.y, r.width, r.height, 0, 0, w, h);
    return { image: this.canvas, width, height, region: r };
  }
}
