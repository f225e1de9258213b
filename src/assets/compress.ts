// Brotli and gzip of the browser assets: one set of settings for `face-verify assets` (the .br/.gz
// written beside each file) and the Vite plugin (served with Content-Encoding in dev).
import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, constants, gzip, gzipSync } from 'node:zlib';

export type Encoding = 'br' | 'gzip';

export interface CompressOptions {
  /**
   * Brotli quality. 11 with a 16 MB window takes the wasm runtimes from 2.6 to 2.3 MB each
   * (about 0.8 MB less over the five files a visit downloads) but costs ≈ 10× the CPU of 9:
   * worth it once per release, not on every `assets` run. Default 9.
   */
  brotliQuality?: number;
}

function brotliParams(size: number, quality: number) {
  return {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: quality,
      [constants.BROTLI_PARAM_SIZE_HINT]: size,
      // A window as large as the file (max 16 MB) finds the repeats of big wasm binaries.
      [constants.BROTLI_PARAM_LGWIN]: Math.max(
        constants.BROTLI_MIN_WINDOW_BITS,
        Math.min(24, Math.ceil(Math.log2(Math.max(2, size)))),
      ),
    },
  };
}

export function compressSync(data: Uint8Array, encoding: Encoding, o: CompressOptions = {}) {
  return encoding === 'br'
    ? new Uint8Array(brotliCompressSync(data, brotliParams(data.length, o.brotliQuality ?? 9)))
    : new Uint8Array(gzipSync(data, { level: 9 }));
}

const brotliAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** The same, on libuv's thread pool (a dev server keeps answering while it runs). */
export async function compress(
  data: Uint8Array,
  encoding: Encoding,
  o: CompressOptions = {},
): Promise<Uint8Array> {
  return new Uint8Array(
    encoding === 'br'
      ? await brotliAsync(data, brotliParams(data.length, o.brotliQuality ?? 9))
      : await gzipAsync(data, { level: 9 }),
  );
}

/** The encoding to send for an Accept-Encoding header, among those available. */
export function negotiate(
  accept: string | undefined,
  available: readonly Encoding[],
): Encoding | null {
  const offered = new Map<string, number>();
  for (const part of (accept ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    if (!name) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    offered.set(name, q ? Number(q.slice(2)) : 1);
  }
  for (const e of ['br', 'gzip'] as const) {
    const q = offered.get(e) ?? offered.get('*') ?? 0;
    if (q > 0 && available.includes(e)) return e;
  }
  return null;
}
