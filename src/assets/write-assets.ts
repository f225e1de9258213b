// `face-verify assets <dir>`: copies the verified browser files under <dir> (models/, runtime/)
// with precompressed .br and .gz siblings for static servers that serve those (nginx
// gzip_static/brotli_static, Caddy precompressed). Files already up to date are left alone.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { compressSync } from './compress';
import { listPackageAssets, readVerified, sha256Hex, PACKAGE_ROOT } from './package-assets';

export interface WriteAssetsReport {
  written: string[];
  unchanged: string[];
  /** Bytes of every original file, and of its .br and .gz. */
  bytes: { raw: number; br: number; gz: number };
}

function writeAtomic(path: string, data: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

const same = (path: string, hash: string): boolean =>
  existsSync(path) && sha256Hex(new Uint8Array(readFileSync(path))) === hash;

export function writeAssets(
  outDir: string,
  options: { compress?: boolean; log?: (line: string) => void; root?: string } = {},
): WriteAssetsReport {
  const compress = options.compress ?? true;
  const log = options.log ?? (() => undefined);
  const report: WriteAssetsReport = { written: [], unchanged: [], bytes: { raw: 0, br: 0, gz: 0 } };
  for (const asset of listPackageAssets(options.root ?? PACKAGE_ROOT)) {
    const data = readVerified(asset);
    const target = join(outDir, asset.path);
    const hash = sha256Hex(data);
    const fresh = !same(target, hash);
    const br = `${target}.br`;
    const gz = `${target}.gz`;
    // A compressed sibling is only trusted when the original next to it was already current.
    const needsCompressed = compress && (fresh || !existsSync(br) || !existsSync(gz));
    if (fresh) writeAtomic(target, data);
    if (needsCompressed) {
      log(`  compressing ${asset.path} (${(data.length / 1e6).toFixed(1)} MB)`);
      // Quality 9, not 11: see README "Use it in your app" for what each costs on these files.
      writeAtomic(br, compressSync(data, 'br'));
      writeAtomic(gz, compressSync(data, 'gzip'));
    }
    (fresh || needsCompressed ? report.written : report.unchanged).push(asset.path);
    report.bytes.raw += data.length;
    if (compress) {
      report.bytes.br += readFileSync(br).length;
      report.bytes.gz += readFileSync(gz).length;
    }
  }
  return report;
}
