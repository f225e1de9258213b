// Clip files for Chromium's fake camera (--use-file-for-fake-video-capture): y4m and mjpeg.
//
// Measured: y4m plays at its header's frame rate (13.8 MB/s at 640×480); mjpeg always plays at
// 30 fps (≈ 0.6 MB/s). Chromium reads both as limited-range BT.601 YUV, so we write limited
// range: directly in y4m, and for mjpeg by pre-compressing RGB so that the JFIF (full-range)
// transform inside the JPEG encoder lands on limited-range values.
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Image } from './image';
import { encodeJpegFast } from './jpeg';

export interface ClipWriter {
  write(frame: Image): void;
  close(): void;
  readonly frames: number;
  readonly bytes: number;
}

export interface ClipFormat {
  width: number;
  height: number;
  /** y4m only; mjpeg is always played at 30 fps. */
  fps?: number;
  /** mjpeg only, 1..100. */
  quality?: number;
}

const clamp8 = (v: number): number => (v < 0 ? 0 : v > 255 ? 255 : Math.round(v));

/** RGBA → I420 (planar Y, U, V; chroma 2×2 averaged), BT.601 limited range. */
export function rgbaToI420(img: Image): Uint8Array {
  const { width: w, height: h, data } = img;
  if (w % 2 || h % 2) throw new Error('y4m 4:2:0 needs even width and height');
  const out = new Uint8Array((w * h * 3) / 2);
  const cw = w / 2;
  const uOff = w * h;
  const vOff = uOff + (w * h) / 4;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      out[y * w + x] = clamp8(
        16 + 0.2568 * data[i]! + 0.5041 * data[i + 1]! + 0.0979 * data[i + 2]!,
      );
    }
  }
  for (let y = 0; y < h / 2; y++) {
    for (let x = 0; x < cw; x++) {
      let r = 0;
      let g = 0;
      let b = 0;
      for (const [dx, dy] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ] as const) {
        const i = ((2 * y + dy) * w + 2 * x + dx) * 4;
        r += data[i]!;
        g += data[i + 1]!;
        b += data[i + 2]!;
      }
      r /= 4;
      g /= 4;
      b /= 4;
      out[uOff + y * cw + x] = clamp8(128 - 0.1482 * r - 0.291 * g + 0.4392 * b);
      out[vOff + y * cw + x] = clamp8(128 + 0.4392 * r - 0.3678 * g - 0.0714 * b);
    }
  }
  return out;
}

/** The inverse of rgbaToI420 for one pixel (used by tests and colour checks). */
export function limitedYuvToRgb(y: number, u: number, v: number): [number, number, number] {
  const c = 1.1644 * (y - 16);
  return [
    clamp8(c + 1.596 * (v - 128)),
    clamp8(c - 0.3918 * (u - 128) - 0.813 * (v - 128)),
    clamp8(c + 2.0172 * (u - 128)),
  ];
}

/**
 * RGB whose full-range JFIF YCbCr equals the limited-range BT.601 YCbCr of the input. A
 * decoder that assumes limited range (Chromium's fake camera does) then shows true colours.
 */
export function toLimitedRangeRgb(img: Image): Image {
  const { data } = img;
  const out = new Uint8ClampedArray(data.length);
  for (let i = 0; i < data.length; i += 4) {
    const r = data[i]!;
    const g = data[i + 1]!;
    const b = data[i + 2]!;
    const yl = 16 + 0.2568 * r + 0.5041 * g + 0.0979 * b;
    const cb = -0.1482 * r - 0.291 * g + 0.4392 * b;
    const cr = 0.4392 * r - 0.3678 * g - 0.0714 * b;
    // Inverse JFIF: these values go back through the encoder's forward JFIF transform.
    out[i] = yl + 1.402 * cr;
    out[i + 1] = yl - 0.344136 * cb - 0.714136 * cr;
    out[i + 2] = yl + 1.772 * cb;
    out[i + 3] = 255;
  }
  return { width: img.width, height: img.height, data: out };
}

function fileWriter(path: string): { fd: number; put(b: Uint8Array): number } {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'w');
  return { fd, put: (b) => writeSync(fd, b) };
}

function check(frame: Image, fmt: ClipFormat): void {
  if (frame.width !== fmt.width || frame.height !== fmt.height) {
    throw new Error(`frame is ${frame.width}×${frame.height}, clip is ${fmt.width}×${fmt.height}`);
  }
}

export function createY4mWriter(path: string, fmt: ClipFormat): ClipWriter {
  const f = fileWriter(path);
  const fps = fmt.fps ?? 30;
  let frames = 0;
  let bytes = f.put(
    Buffer.from(
      `YUV4MPEG2 W${fmt.width} H${fmt.height} F${fps}:1 Ip A1:1 C420jpeg XYSCSS=420JPEG\n`,
    ),
  );
  const tag = Buffer.from('FRAME\n');
  return {
    write(frame) {
      check(frame, fmt);
      bytes += f.put(tag) + f.put(rgbaToI420(frame));
      frames++;
    },
    close: () => closeSync(f.fd),
    get frames() {
      return frames;
    },
    get bytes() {
      return bytes;
    },
  };
}

/** Concatenated baseline JPEGs (SOI…EOI per frame), as Chromium's mjpeg file reader expects. */
export function createMjpegWriter(path: string, fmt: ClipFormat): ClipWriter {
  const f = fileWriter(path);
  const quality = fmt.quality ?? 85;
  let frames = 0;
  let bytes = 0;
  return {
    write(frame) {
      check(frame, fmt);
      const limited = toLimitedRangeRgb(frame);
      bytes += f.put(encodeJpegFast(limited, quality));
      frames++;
    },
    close: () => closeSync(f.fd),
    get frames() {
      return frames;
    },
    get bytes() {
      return bytes;
    },
  };
}

/** Picks the writer from the extension: `.y4m` or `.mjpeg`/`.mjpg`. */
export function createClipWriter(path: string, fmt: ClipFormat): ClipWriter {
  if (path.endsWith('.y4m')) return createY4mWriter(path, fmt);
  if (/\.mjpe?g$/.test(path)) return createMjpegWriter(path, fmt);
  throw new Error(`unknown clip format for ${path} (use .y4m or .mjpeg)`);
}
