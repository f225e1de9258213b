// face-verify/vite: serves models/ and runtime/ from the installed package in `vite` dev, emits
// them into the build, and sends COOP/COEP so the page is cross-origin isolated
// (onnxruntime-web then runs wasm threads). Files are checked against the manifest once, at start.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Plugin } from 'vite';
import { listPackageAssets, readVerified, type PackageAsset } from '../assets/package-assets';

export interface FaceVerifyPluginOptions {
  /** Public path the element's `asset-base` points at. Default `/`. */
  assetBase?: string;
  /** Send COOP/COEP in dev and preview. Default true. */
  isolation?: boolean;
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

export function faceVerify(options: FaceVerifyPluginOptions = {}): Plugin {
  const base = `/${(options.assetBase ?? '/').replace(/^\/+|\/+$/g, '')}/`.replace('//', '/');
  const isolation = options.isolation ?? true;
  let assets: Map<string, PackageAsset> | null = null;
  const all = (): Map<string, PackageAsset> => {
    if (!assets) {
      assets = new Map(listPackageAssets().map((a) => [a.path, a]));
      for (const a of assets.values()) readVerified(a); // fail at start, not on first request
    }
    return assets;
  };
  const serve = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const asset = path.startsWith(base) ? all().get(path.slice(base.length)) : undefined;
    if (!asset) return next();
    const data = readVerified(asset);
    res.setHeader('Content-Type', contentType(asset.path));
    res.setHeader('Content-Length', String(data.length));
    res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
    res.end(data);
  };
  return {
    name: 'face-verify',
    config: () =>
      isolation ? { server: { headers: ISOLATION }, preview: { headers: ISOLATION } } : {},
    configureServer(server) {
      all();
      server.middlewares.use(serve);
    },
    generateBundle() {
      for (const asset of all().values()) {
        this.emitFile({
          type: 'asset',
          fileName: `${base.slice(1)}${asset.path}`,
          source: readVerified(asset),
        });
      }
    },
  };
}

export default faceVerify;
