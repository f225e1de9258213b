// Measuring a new photo needs our landmarker in a browser page (test-pages/fake-camera/, served by
// Vite from this repository). The installed package ships the sample people already measured
// (face-seeds.ts) but not that page, so there a new photo fails with this explanation.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openLandmarkSession, type LandmarkSession } from '../../scripts/fake-camera/browser';

const PAGE = fileURLToPath(new URL('../../test-pages/fake-camera/index.html', import.meta.url));

export function openKitLandmarkSession(): Promise<LandmarkSession> {
  if (!existsSync(PAGE)) {
    return Promise.reject(
      new Error(
        'face-verify/testing: only the sample people (fay, ava, eve, bea, cleo, dana) are ' +
          'measured in the installed package; clips from your own photos need a checkout of ' +
          'the face-verify repository (npx tsx scripts/make-fake-camera.ts --photo …)',
      ),
    );
  }
  return openLandmarkSession();
}
