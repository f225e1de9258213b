// Part of `npm run build`: measures the QA kit's sample people with our landmarker (or takes them
// from .cache/fake-camera/ when an earlier run did) and writes them to dist/node/kit-faces/, so
// `face-verify/testing` installed from npm needs no browser-side landmark page to prepare them.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openLandmarkSession, type LandmarkSession } from './fake-camera/browser';
import { DEFAULT_CACHE_DIR, prepareFace } from './fake-camera/clip';
import { samplePeople, type SamplePersonName } from '../src/testing/photos';

const out = join('dist', 'node', 'kit-faces');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const held: { session: Promise<LandmarkSession> | null } = { session: null };
try {
  for (const name of Object.keys(samplePeople) as SamplePersonName[]) {
    const face = await prepareFace(samplePeople[name](), () => {
      if (!held.session) console.log('kit faces: measuring sample people in Chromium (once)');
      return (held.session ??= openLandmarkSession());
    });
    copyFileSync(join(DEFAULT_CACHE_DIR, `${face.key}.json`), join(out, `${face.key}.json`));
  }
  console.log(`kit faces: ${Object.keys(samplePeople).length} sample people → ${out}`);
} finally {
  if (held.session) await (await held.session).close();
}
