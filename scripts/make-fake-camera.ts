// Renders a fake-camera clip (y4m or mjpeg, 640×480) from one still photo and prints what our
// own landmarker measures on it.
//
//   npx tsx scripts/make-fake-camera.ts --person ava \
//     --actions neutral:1500,blink,open-mouth,turn-left,turn-right --out clip.mjpeg --trace
//   npx tsx scripts/make-fake-camera.ts --photo me.jpg --kind screen --out replay.y4m --fps 15
//
// --person NAME        a sample person (src/testing/photos.ts) or --photo PATH [--region x,y,w,h]
// --actions LIST       action[:ms],…  (neutral, blink, open-mouth, turn-left, turn-right)
// --kind KIND          live (default) | static | shake | screen | no-face | two-faces | pair
// --second NAME        the other person for two-faces and pair
// --out PATH           .mjpeg (30 fps, small) or .y4m (header fps, 13.8 MB/s at 30 fps)
// --trace              print eye/mouth/yaw per frame + per-action verdicts; exit 1 if an action
//                      is not visible
// --sheet PATH.png     contact sheet of every 10th frame (for eyeballing)
import { parseArgs } from 'node:util';
import { ACTIONS, normalizeSteps, type ActionName, type ActionSpec } from './fake-camera/actions';
import { openLandmarkSession, type LandmarkSession } from './fake-camera/browser';
import {
  prepareFace,
  renderClip,
  writeClip,
  type ClipKind,
  type FaceSource,
} from './fake-camera/clip';
import { createImage, cropResize, encodePng, type Image } from './fake-camera/image';
import { formatTrace, summarise } from './fake-camera/trace';
import { fromSummaries, invisibleActions } from './fake-camera/visibility';
import { samplePeople, type SamplePersonName } from '../src/testing/photos';
import { writeFileSync } from 'node:fs';

const { values } = parseArgs({
  options: {
    person: { type: 'string' },
    photo: { type: 'string' },
    region: { type: 'string' },
    index: { type: 'string' },
    second: { type: 'string' },
    actions: {
      type: 'string',
      default: 'neutral:1000,blink,neutral:500,open-mouth,turn-left,turn-right',
    },
    kind: { type: 'string', default: 'live' },
    out: { type: 'string' },
    fps: { type: 'string' },
    trace: { type: 'boolean', default: false },
    sheet: { type: 'string' },
  },
});

function person(name: string): FaceSource {
  if (!(name in samplePeople)) {
    throw new Error(`unknown person ${name}; one of ${Object.keys(samplePeople).join(', ')}`);
  }
  return samplePeople[name as SamplePersonName]();
}

function source(): FaceSource {
  if (values.person) return person(values.person);
  if (!values.photo) throw new Error('give --person NAME or --photo PATH');
  const src: FaceSource = { photo: values.photo };
  if (values.region) {
    const [x, y, width, height] = values.region.split(',').map(Number) as [
      number,
      number,
      number,
      number,
    ];
    src.region = { x, y, width, height };
  }
  if (values.index) src.index = Number(values.index);
  return src;
}

function parseActions(list: string): ActionSpec[] {
  return list.split(',').map((item) => {
    const [action, ms] = item.trim().split(':');
    if (!ACTIONS.includes(action as ActionName)) throw new Error(`unknown action ${action}`);
    return ms ? { action: action as ActionName, ms: Number(ms) } : (action as ActionName);
  });
}

function contactSheet(frames: Image[]): Image {
  const cols = 5;
  const w = 160;
  const h = 120;
  const sheet = createImage(cols * w, Math.ceil(frames.length / cols) * h);
  frames.forEach((f, i) => {
    const small = cropResize(f, { x: 0, y: 0, width: f.width, height: f.height }, w, h);
    for (let y = 0; y < h; y++) {
      const row = small.data.subarray(y * w * 4, (y + 1) * w * 4);
      sheet.data.set(row, ((Math.floor(i / cols) * h + y) * sheet.width + (i % cols) * w) * 4);
    }
  });
  return sheet;
}

const held: { session: Promise<LandmarkSession> | null } = { session: null };
const getSession = (): Promise<LandmarkSession> => (held.session ??= openLandmarkSession());

try {
  const kind = values.kind as ClipKind;
  const actions = parseActions(values.actions);
  const needsFace = kind !== 'no-face';
  const face = needsFace
    ? await prepareFace(source(), getSession)
    : { key: 'no-face', base: createImage(640, 480), model: null as never };
  const second = values.second ? await prepareFace(person(values.second), getSession) : undefined;
  const fps = values.fps ? Number(values.fps) : 30;
  const opts = { kind, fps, ...(second ? { second } : {}) };
  if (values.out) {
    const started = performance.now();
    const clip = writeClip(values.out, face, actions, opts);
    const ms = performance.now() - started;
    console.log(
      `${clip.path}: ${clip.frames} frames, ${clip.durationMs} ms, ${(clip.bytes / 1e6).toFixed(1)} MB, ` +
        `rendered in ${(ms / 1000).toFixed(1)} s (${(ms / clip.frames).toFixed(0)} ms/frame)`,
    );
  }
  if (values.trace || values.sheet) {
    const traceFps = values.out?.endsWith('.y4m') || !values.out ? fps : 30;
    const frames = [...renderClip(face, actions, { ...opts, fps: traceFps })];
    if (values.sheet) {
      writeFileSync(
        values.sheet,
        encodePng(contactSheet(frames.filter((_, i) => i % 10 === 0).map((f) => f.image))),
      );
    }
    if (values.trace) {
      const rows = await (
        await getSession()
      ).trace(
        frames.map((f) => f.image),
        traceFps,
      );
      const labels = frames.map((f) => f.action);
      console.log(formatTrace(rows, labels));
      const missing = summarise(rows, labels).summaries.filter((s) => !s.visible);
      if (kind === 'live' && missing.length) {
        console.error(`not visible: ${missing.map((s) => s.action).join(', ')}`);
        const hint = invisibleActions(fromSummaries(face.key, summarise(rows, labels).summaries));
        if (hint) console.error(hint);
        process.exitCode = 1;
      }
    }
  }
  void normalizeSteps(actions);
} finally {
  if (held.session) await (await held.session).close();
}
