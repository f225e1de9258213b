// face-verify/testing: test a page that embeds <face-verify> without a person at a camera.
export { test, expect, type FakeCamera, type PuppetHandle, type PuppetOptions } from './fixture';
export {
  chromiumArgs,
  chromiumCandidates,
  chromiumPath,
  launchArgs,
  type LaunchOptions,
} from './launch';
export {
  captureRequests,
  expectNoImageDataLeft,
  findImageData,
  type CapturedRequest,
  type NoImageDataOptions,
} from './network';
export { puppetInit, type PuppetConfig, type PuppetLog } from './puppet';
export { renderPuppetFrames, RECORDING, type Look, type PuppetFrames } from './frames';
export { samplePeople, type SamplePerson, type SamplePersonName } from './photos';
export {
  prepareFace,
  renderClip,
  writeClip,
  type ClipFile,
  type ClipKind,
  type FaceSource,
  type PreparedFace,
} from '../../scripts/fake-camera/clip';
export { ACTIONS, type ActionName, type ActionSpec } from '../../scripts/fake-camera/actions';
export {
  checkActions,
  invisibleActions,
  type ActionCheck,
} from '../../scripts/fake-camera/visibility';
export { openLandmarkSession, type LandmarkSession } from '../../scripts/fake-camera/browser';

import type { ActionSpec } from '../../scripts/fake-camera/actions';
import { openKitLandmarkSession } from './landmarks';
import {
  prepareFace,
  writeClip,
  type ClipFile,
  type FaceSource,
} from '../../scripts/fake-camera/clip';
import { seedSampleFaces } from './face-seeds';

/**
 * One call from a photo to a clip file: `makeClip('me.jpg', ['neutral', 'blink'], 'me.mjpeg')`.
 * Opens (and closes) a headless Chromium for the landmarks unless they are cached.
 */
export async function makeClip(
  photo: string | FaceSource,
  actions: readonly ActionSpec[],
  path: string,
): Promise<ClipFile> {
  const held: { session: ReturnType<typeof openKitLandmarkSession> | null } = { session: null };
  try {
    seedSampleFaces();
    const face = await prepareFace(
      typeof photo === 'string' ? { photo } : photo,
      () => (held.session ??= openKitLandmarkSession()),
    );
    return writeClip(path, face, actions);
  } finally {
    if (held.session) await (await held.session).close();
  }
}
