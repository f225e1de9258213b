// face-verify/vite: serves models/ and runtime/ from the installed package in `vite` dev, emits
// them into the build, and sends COOP/COEP so the page is cross-origin isolated
// (onnxruntime-web then runs wasm threads). Files are checked against the manifest once, at start.
//
// In dev each file is sent with Content-Encoding (brotli, else gzip) once its compressed copy
// exists: compressed on first request on libuv's thread pool (identity until then) and kept under
// `node_modules/.cache/face-verify/` by SHA-256, so later starts serve them at once. Caching:
// a URL carrying the file's version (`?v=` + the first 16 hex of its SHA-256, as the element's
// loaders ask) is immutable for a year; any other URL is revalidated by ETag (a 304, no body).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Plugin } from 'vite';
import { compress, negotiate, type Encoding } from '../assets/compress';
import {
  listPackageAssets,
  readVerified,
  sha256Hex,
  type PackageAsset,
} from '../assets/package-assets';

export interface FaceVerifyPluginOptions {
  /** Public path the element's `asset-base` points at. Default `/`. */
  assetBase?: string;
  /** Send COOP/COEP in dev and preview. Default true. */
  isolation?: boolean;
  /** Serve brotli/gzip in dev (compressed once, cached on disk). Default true. */
  compress?: boolean;
}

const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
};

const contentType = (path: string): string =>
  TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream';

/** The `?v=` token of a file: the first 16 hex digits of its SHA-256. */
export const assetVersion = (sha256: string): string => sha256.slice(0, 16);

const IMMUTABLE = 'public, max-age=31536000, immutable';
const REVALIDATE = 'no-cache';
/** Brotli at its best: compressed once per file version, so the CPU is spent once. */
const BROTLI_QUALITY = 11;

interface Served {
  asset: PackageAsset;
  data: Uint8Array;
  sha256: string;
  encoded: Partial<Record<Encoding, Uint8Array>>;
  pending: boolean;
}

export function faceVerify(options: FaceVerifyPluginOptions = {}): Plugin {
  const base = `/${(options.assetBase ?? '/').replace(/^\/+|\/+$/g, '')}/`.replace('//', '/');
  const isolation = options.isolation ?? true;
  const compressing = options.compress ?? true;
  let cacheDir = join(process.cwd(), 'node_modules', '.cache', 'face-verify');
  let assets: Map<string, Served> | null = null;
  const all = (): Map<string, Served> => {
    if (!assets) {
      // Read and verified once (fail at start, not on first request); held in memory after.
      assets = new Map(
        listPackageAssets().map((asset) => {
          const data = readVerified(asset);
          const sha256 = asset.entry?.sha256 ?? sha256Hex(data);
          return [asset.path, { asset, data, sha256, encoded: {}, pending: false }];
        }),
      );
    }
    return assets;
  };

  /** Loads the cached compressed copies, or makes them in the background. */
  const prepare = (s: Served): void => {
    if (!compressing || s.pending || (s.encoded.br && s.encoded.gzip)) return;
    s.pending = true;
    void (async () => {
      for (const e of ['br', 'gzip'] as const) {
        const file = join(cacheDir, `${s.sha256}.${e === 'br' ? `br${BROTLI_QUALITY}` : 'gz'}`);
        try {
          s.encoded[e] = new Uint8Array(readFileSync(file));
          continue;
        } catch {
          // not cached yet
        }
        const data = await compress(s.data, e, { brotliQuality: BROTLI_QUALITY });
        try {
          mkdirSync(cacheDir, { recursive: true });
          const tmp = `${file}.tmp-${process.pid}`;
          writeFileSync(tmp, data);
          renameSync(tmp, file);
        } catch {
          // a read-only tree still serves from memory
        }
        s.encoded[e] = data;
      }
    })()
      .catch(() => undefined)
      .finally(() => (s.pending = false));
  };

  const serve = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const [path = '', query = ''] = (req.url ?? '').split('?');
    const s = path.startsWith(base) ? all().get(path.slice(base.length)) : undefined;
    if (!s) return next();
    prepare(s);
    const available = (['br', 'gzip'] as const).filter((e) => s.encoded[e]);
    const encoding = negotiate(req.headers['accept-encoding'] as string | undefined, available);
    const body = encoding ? s.encoded[encoding]! : s.data;
    const version = new URLSearchParams(query).get('v');
    const etag = `"${assetVersion(s.sha256)}${encoding ? `-${encoding}` : ''}"`;
    res.setHeader('Content-Type', contentType(s.asset.path));
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    // ORT's thread workers start from runtime/ort/*.mjs: a worker of an isolated page must be
    // isolated itself, so its script carries COOP/COEP too.
    if (isolation) for (const [k, v] of Object.entries(ISOLATION)) res.setHeader(k, v);
    res.setHeader('Vary', 'Accept-Encoding');
    res.setHeader('ETag', etag);
    res.setHeader('Cache-Control', version === assetVersion(s.sha256) ? IMMUTABLE : REVALIDATE);
    if (req.headers['if-none-match'] === etag) {
      res.statusCode = 304;
      res.end();
      return;
    }
    if (encoding) res.setHeader('Content-Encoding', encoding);
    res.setHeader('Content-Length', String(body.length));
    res.end(req.method === 'HEAD' ? undefined : body);
  };
  return {
    name: 'face-verify',
    config: () =>
      isolation ? { server: { headers: ISOLATION }, preview: { headers: ISOLATION } } : {},
    configResolved(config) {
      cacheDir = join(config.root, 'node_modules', '.cache', 'face-verify');
    },
    configureServer(server) {
      all();
      server.middlewares.use(serve);
    },
    generateBundle() {
      for (const s of all().values()) {
        this.emitFile({
          type: 'asset',
          fileName: `${base.slice(1)}${s.asset.path}`,
          source: s.data,
        });
      }
    },
  };
}

export default faceVerify;
