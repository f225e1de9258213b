// The sample people's framing and landmarks, measured once by our landmarker when the package is
// built (scripts/build-kit-faces.ts) and shipped beside the kit, so an installed kit prepares
// them without starting a browser. Copied into the kit's cache, where prepareFace looks first.
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_CACHE_DIR } from '../../scripts/fake-camera/clip';

/** In the installed package: dist/node/kit-faces/. In this repository: absent (cache only). */
export const SHIPPED_FACES = fileURLToPath(new URL('./kit-faces/', import.meta.url));

let seeded = false;

export function seedSampleFaces(cacheDir = DEFAULT_CACHE_DIR, from = SHIPPED_FACES): void {
  if (seeded || !existsSync(from)) return;
  mkdirSync(cacheDir, { recursive: true });
  for (const name of readdirSync(from)) {
    if (name.endsWith('.json') && !existsSync(join(cacheDir, name))) {
      copyFileSync(join(from, name), join(cacheDir, name));
    }
  }
  seeded = true;
}
