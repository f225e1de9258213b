// Playwright fixtures for pages that embed <face-verify>: a puppet camera showing a real face
// that performs whatever challenge is asked, clip files for Chromium's fake camera, and a
// capture of every request for privacy assertions.
import { test as base, type Page } from '@playwright/test';
import type { ActionSpec } from '../../scripts/fake-camera/actions';
import type { LandmarkSession } from '../../scripts/fake-camera/browser';
import { openKitLandmarkSession } from './landmarks';
import {
  prepareFace,
  writeClip,
  type ClipFile,
  type FaceSource,
  type PreparedFace,
} from '../../scripts/fake-camera/clip';
import { createImage } from '../../scripts/fake-camera/image';
import {
  checkActions,
  invisibleActions,
  type ActionCheck,
} from '../../scripts/fake-camera/visibility';
import { renderPuppetFrames, type Look } from './frames';
import { captureRequests, type CapturedRequest } from './network';
import { seedSampleFaces } from './face-seeds';
import { samplePeople, type SamplePersonName } from './photos';
import { puppetInit, routePuppetFrames, type PuppetConfig, type PuppetLog } from './puppet';

export interface PuppetOptions {
  /** How the camera image looks. Default 'live'. */
  look?: Look;
  /** Default: obey for live/screen/two-faces/pair, still for static, loop otherwise. */
  mode?: PuppetConfig['mode'];
  /** Sequence to loop in 'loop' mode (screen look: 'recording' replays a fixed order). */
  loop?: string;
  /** The other person for looks 'two-faces' and 'pair'. */
  second?: PreparedFace;
  /** getUserMedia rejects with this DOMException name instead. */
  fail?: 'NotAllowedError' | 'NotFoundError' | 'NotReadableError' | 'OverconstrainedError';
  substitute?: PuppetConfig['substitute'];
  reactionMs?: number;
  retryMs?: number;
}

export interface PuppetHandle {
  /** What the puppet saw and did on this page. */
  log(): Promise<PuppetLog>;
}

export interface FakeCamera {
  /** A sample person's face (or your own photo), framed at 640×480 and measured, cached. */
  face(source: SamplePersonName | FaceSource): Promise<PreparedFace>;
  /**
   * Which actions this face shows visibly to our landmarker (cached per photo; the first call
   * renders and measures a probe clip, ~10 s). A 'live' puppet or clip of a face that cannot
   * show an action warns with this; test such a face with `challenge-set="head"`.
   */
  check(face: PreparedFace): Promise<ActionCheck>;
  /** Installs the puppet camera on `page`; call before `page.goto`. */
  puppet(page: Page, face: PreparedFace | null, options?: PuppetOptions): Promise<PuppetHandle>;
  /** Writes a .y4m/.mjpeg clip for `--use-file-for-fake-video-capture` (see launchArgs). */
  makeClip(
    source: SamplePersonName | FaceSource,
    actions: readonly ActionSpec[],
    path: string,
    options?: { kind?: Look; second?: SamplePersonName | FaceSource; fps?: number },
  ): Promise<ClipFile>;
}

const blankFace: PreparedFace = {
  key: 'blank',
  base: createImage(640, 480, [128, 128, 128]),
  model: null as never,
};

export const test = base.extend<
  { fakeCamera: FakeCamera; requests: CapturedRequest[] },
  { landmarks: () => Promise<LandmarkSession> }
>({
  landmarks: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixture list from it
    async ({}, use) => {
      const held: { session: Promise<LandmarkSession> | null } = { session: null };
      await use(() => (held.session ??= openKitLandmarkSession()));
      if (held.session) await (await held.session).close();
    },
    { scope: 'worker' },
  ],

  fakeCamera: async ({ landmarks }, use) => {
    // Sample people are measured once in docs/testing.md; checking them again would cost every
    // fresh CI run a render and trace per face. Only faces from the caller's own photos are checked.
    const samples = new Set<string>();
    const face = async (source: SamplePersonName | FaceSource): Promise<PreparedFace> => {
      seedSampleFaces();
      if (typeof source !== 'string') return prepareFace(source, landmarks);
      const f = await prepareFace(samplePeople[source](), landmarks);
      samples.add(f.key);
      return f;
    };
    const check = (f: PreparedFace): Promise<ActionCheck> => checkActions(f, landmarks);
    // A live face that cannot show an action would fail that challenge for a reason no test
    // names: say so once per face. Skipped where no landmarker can run (the installed package
    // has no landmarker page; docs/testing.md lists what its sample people show).
    const warned = new Set<string>();
    const warnInvisible = async (f: PreparedFace, wanted?: readonly string[]): Promise<void> => {
      const id = `${f.key}:${wanted?.join() ?? '*'}`;
      if (samples.has(f.key) || warned.has(id)) return;
      warned.add(id);
      const result = await check(f).catch(() => null);
      const line =
        result &&
        invisibleActions(
          result,
          wanted ? result.missing.filter((a) => wanted.includes(a)) : result.missing,
          `face ${f.key}`,
        );
      if (line) console.warn(line);
    };
    await use({
      face,
      check,
      async puppet(page, f, options = {}) {
        const look = options.look ?? 'live';
        if (f && look === 'live' && !options.fail) await warnInvisible(f);
        const config: PuppetConfig = {
          sequences: {},
          mode:
            options.mode ??
            (look === 'static' ? 'still' : ['shake', 'no-face'].includes(look) ? 'loop' : 'obey'),
          ...(options.loop ? { loop: options.loop } : {}),
          ...(options.fail ? { fail: options.fail } : {}),
          ...(options.substitute ? { substitute: options.substitute } : {}),
          ...(options.reactionMs !== undefined ? { reactionMs: options.reactionMs } : {}),
          ...(options.retryMs !== undefined ? { retryMs: options.retryMs } : {}),
        };
        if (!options.fail) {
          config.sequences = await routePuppetFrames(
            page,
            renderPuppetFrames(f ?? blankFace, look, options.second),
          );
        }
        await page.addInitScript(puppetInit, config);
        return {
          log: () =>
            page.evaluate(() => (window as unknown as { __fvPuppet: PuppetLog }).__fvPuppet),
        };
      },
      async makeClip(source, actions, path, options = {}) {
        const kind = options.kind ?? 'live';
        const f = kind === 'no-face' ? blankFace : await face(source);
        if (kind === 'live') {
          await warnInvisible(
            f,
            actions.map((a) => (typeof a === 'string' ? a : a.action)),
          );
        }
        const second = options.second ? await face(options.second) : undefined;
        return writeClip(path, f, actions, {
          kind,
          ...(second ? { second } : {}),
          ...(options.fps ? { fps: options.fps } : {}),
        });
      },
    });
  },

  requests: async ({ context }, use) => {
    await use(captureRequests(context));
  },
});

export { expect } from '@playwright/test';
