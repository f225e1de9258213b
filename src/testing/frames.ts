// Pre-rendered frame sequences for the puppet camera, as JPEGs, cached on disk per face + look.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ACTIONS, type ActionSpec } from '../../scripts/fake-camera/actions';
import {
  DEFAULT_CACHE_DIR,
  renderClip,
  type ClipKind,
  type PreparedFace,
} from '../../scripts/fake-camera/clip';
import { encodeJpeg } from '../../scripts/fake-camera/image';
import { RENDER_VERSION } from '../../scripts/fake-camera/render';

/** How the camera image looks: a live person, or an attack / guidance case. */
export type Look = ClipKind;

export interface PuppetFrames {
  /** Sequence name → frames per second and JPEG bytes. */
  sequences: Record<string, { fps: number; jpegs: Uint8Array[] }>;
}

const FPS = 15;
const VERSION = 7;

/** Actions as the puppet performs them: slower than a clip so a busy page samples them. */
export const PERFORM: Record<string, ActionSpec[]> = {
  neutral: [{ action: 'neutral', ms: 2000 }],
  blink: [{ action: 'blink', ms: 750 }],
  'open-mouth': [{ action: 'open-mouth', ms: 1500 }],
  'turn-left': [{ action: 'turn-left', ms: 1800 }],
  'turn-right': [{ action: 'turn-right', ms: 1800 }],
  nod: [{ action: 'nod', ms: 1200 }],
};

/**
 * A replayed recording of someone doing every action in a fixed order (what a screen or a
 * virtual camera plays back in a loop). The 'live' look has it too: a virtual camera injects a
 * recording without any screen artefact, so only the challenge-response can stop it.
 */
export const RECORDING: ActionSpec[] = [
  { action: 'neutral', ms: 800 },
  { action: 'blink', ms: 700 },
  { action: 'neutral', ms: 500 },
  'turn-left',
  'open-mouth',
  'turn-right',
];

function sequencesFor(look: Look): Record<string, ActionSpec[]> {
  switch (look) {
    case 'static':
      return { neutral: [{ action: 'neutral', ms: 70 }] };
    case 'shake':
    case 'no-face':
      return { neutral: [{ action: 'neutral', ms: 4000 }] };
    case 'screen':
    case 'live':
      return { ...PERFORM, recording: RECORDING };
    default:
      return PERFORM;
  }
}

export function renderPuppetFrames(
  face: PreparedFace,
  look: Look,
  second?: PreparedFace,
  cacheDir = DEFAULT_CACHE_DIR,
): PuppetFrames {
  const dir = join(
    cacheDir,
    'puppet',
    `${face.key}-${second?.key ?? ''}-${look}-v${VERSION}r${RENDER_VERSION}`,
  );
  const specs = sequencesFor(look);
  try {
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Record<
      string,
      number
    >;
    const sequences: PuppetFrames['sequences'] = {};
    for (const [name, n] of Object.entries(index)) {
      sequences[name] = {
        fps: FPS,
        jpegs: Array.from({ length: n }, (_, i) => readFileSync(join(dir, `${name}-${i}.jpg`))),
      };
    }
    return { sequences };
  } catch {
    // not cached
  }
  const sequences: PuppetFrames['sequences'] = {};
  for (const [name, actions] of Object.entries(specs)) {
    const jpegs: Uint8Array[] = [];
    const opts = { kind: look, fps: FPS, ...(second ? { second } : {}) };
    for (const f of renderClip(face, actions, opts)) jpegs.push(encodeJpeg(f.image, 88));
    sequences[name] = { fps: FPS, jpegs };
  }
  mkdirSync(dir, { recursive: true });
  for (const [name, seq] of Object.entries(sequences)) {
    seq.jpegs.forEach((j, i) => writeFileSync(join(dir, `${name}-${i}.jpg`), j));
  }
  writeFileSync(
    join(dir, 'index.json'),
    JSON.stringify(
      Object.fromEntries(Object.entries(sequences).map(([k, v]) => [k, v.jpegs.length])),
    ),
  );
  return { sequences };
}

export { ACTIONS };
