// Pixel helpers shared by alignment and anti-spoof preprocessing. Pure: no DOM, no ORT.

/** Straight RGBA pixels, row-major, as in `ImageData`. */
export interface RgbaImage {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}

/** Maps an output pixel (u, v) to a source position (x, y). */
export type InverseMap = (u: number, v: number) => readonly [number, number];

export interface SampleOptions {
  /** Output side in pixels (square output). */
  size: number;
  /** Written as ((value - mean) / scale), planar RGB: out[c * size * size + v * size + u]. */
  mean: number;
  scale: number;
  /** true: clamp to the nearest edge pixel; false: outside pixels read as 0 (OpenCV constant border). */
  clampEdges: boolean;
}

/**
 * Bilinear resampling of `image` into a planar 3×size×size float tensor. The inverse map is
 * evaluated per output pixel, so one routine serves both the similarity warp and the crop+resize.
 */
export function resampleToTensor(
  image: RgbaImage,
  map: InverseMap,
  options: SampleOptions,
  out: Float32Array = new Float32Array(3 * options.size * options.size),
): Float32Array {
  const { size, mean, scale, clampEdges } = options;
  const { data, width, height } = image;
  const plane = size * size;
  if (out.length < 3 * plane) throw new RangeError('output tensor too small');
  const rgb = [0, 0, 0];
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const [x, y] = map(u, v);
      const x0 = Math.floor(x);
      const y0 = Math.floor(y);
      const fx = x - x0;
      const fy = y - y0;
      rgb[0] = rgb[1] = rgb[2] = 0;
      for (let dy = 0; dy < 2; dy++) {
        const wy = dy === 0 ? 1 - fy : fy;
        if (wy === 0) continue;
        let yy = y0 + dy;
        if (clampEdges) yy = yy < 0 ? 0 : yy >= height ? height - 1 : yy;
        else if (yy < 0 || yy >= height) continue;
        for (let dx = 0; dx < 2; dx++) {
          const w = wy * (dx === 0 ? 1 - fx : fx);
          if (w === 0) continue;
          let xx = x0 + dx;
          if (clampEdges) xx = xx < 0 ? 0 : xx >= width ? width - 1 : xx;
          else if (xx < 0 || xx >= width) continue;
          const i = (yy * width + xx) * 4;
          rgb[0] += w * data[i]!;
          rgb[1] += w * data[i + 1]!;
          rgb[2] += w * data[i + 2]!;
        }
      }
      const o = v * size + u;
      out[o] = (rgb[0] - mean) / scale;
      out[plane + o] = (rgb[1] - mean) / scale;
      out[2 * plane + o] = (rgb[2] - mean) / scale;
    }
  }
  return out;
}

/** Throws a RangeError unless `image` is a non-empty RGBA buffer of the stated size. */
export function checkImage(image: RgbaImage): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`image size must be positive integers, got ${width}x${height}`);
  }
  if (!data || data.length !== width * height * 4) {
    throw new RangeError(
      `image buffer holds ${data?.length ?? 0} bytes, expected ${width * height * 4}`,
    );
  }
}
