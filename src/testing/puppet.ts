// The puppet camera: an init script that replaces getUserMedia with a canvas stream playing
// pre-rendered frames of a person. In 'obey' mode it watches <face-verify> (the `challenge`
// attribute and `fv-step` events) and performs whatever action is asked, so a test passes any
// server-chosen random challenge order. Frames are fetched from a same-origin path the fixture
// routes (`/__fv-puppet/<sequence>/<i>.jpg`), so the init script itself stays tiny.
//
// `puppetInit` runs inside the page: it must be self-contained (no imports, no closures).
import type { Page } from '@playwright/test';

export const PUPPET_PATH = '/__fv-puppet/';

export interface PuppetSequence {
  /** Frames per second the sequence was rendered at. */
  fps: number;
  frames: number;
}

export interface PuppetConfig {
  /** Sequence name → frame count; `neutral` must exist. Names are action names. */
  sequences: Record<string, PuppetSequence>;
  /**
   * obey: perform the asked challenge; loop: play `loop` over and over, ignoring prompts (a
   * replayed recording, a photo); still: `loop`'s first frame only.
   */
  mode: 'obey' | 'loop' | 'still';
  loop?: string;
  /** Make getUserMedia reject with this DOMException name (NotAllowedError, NotFoundError, …). */
  fail?: string;
  /** Pause between a prompt appearing and the action (a person reading it). Default 700 ms. */
  reactionMs?: number;
  /** Perform again if the same prompt is still shown after this long. Default 3000 ms. */
  retryMs?: number;
  /** Perform a different action than the one asked, e.g. { blink: 'open-mouth' }. */
  substitute?: Record<string, string>;
  /** Frame size. Default 640×480. */
  width?: number;
  height?: number;
}

/** What the puppet recorded, readable with `page.evaluate(() => window.__fvPuppet)`. */
export interface PuppetLog {
  calls: number;
  constraints: unknown[];
  /** Actions performed, in order, with the prompt that triggered each. */
  performed: { asked: string; played: string; at: number }[];
  /** Tracks handed out; `live` counts those not stopped. */
  tracks: number;
  live: number;
}

export function puppetInit(config: PuppetConfig): void {
  const w = window as unknown as { __fvPuppet?: PuppetLog & { ready?: Promise<void> } };
  if (w.__fvPuppet) return; // init scripts also run in child frames: first one wins
  const log: PuppetLog = { calls: 0, constraints: [], performed: [], tracks: 0, live: 0 };
  w.__fvPuppet = log;
  const md = navigator.mediaDevices;
  if (!md) return;
  const width = config.width ?? 640;
  const height = config.height ?? 480;
  const reactionMs = config.reactionMs ?? 700;
  const retryMs = config.retryMs ?? 3000;
  const path = '/__fv-puppet/';

  let frames: Record<string, ImageBitmap[]> | null = null;
  const load = async (): Promise<Record<string, ImageBitmap[]>> => {
    if (frames) return frames;
    const out: Record<string, ImageBitmap[]> = {};
    await Promise.all(
      Object.entries(config.sequences).map(async ([name, seq]) => {
        out[name] = await Promise.all(
          Array.from({ length: seq.frames }, async (_, i) => {
            const res = await fetch(`${path}${name}/${i}.jpg`);
            if (!res.ok) throw new Error(`puppet frame ${name}/${i}: ${res.status}`);
            return createImageBitmap(await res.blob());
          }),
        );
      }),
    );
    frames = out;
    return out;
  };

  // What is being asked: prompts arrive as fv-step events (a retry of the same kind is a new
  // event) and as the element's `challenge` attribute (polled, for hosts that swallow events).
  let asked: string | null = null;
  let askedSince = 0;
  let lastPerformed = 0;
  window.addEventListener(
    'fv-step',
    (e) => {
      const d = (e as CustomEvent<{ challenge?: string | null }>).detail;
      const next = d?.challenge ?? null;
      asked = next;
      askedSince = performance.now();
      lastPerformed = 0;
    },
    true,
  );
  const pollAsked = (): void => {
    const el = document.querySelector('face-verify');
    const attr = el?.getAttribute('challenge') ?? null;
    if (attr !== asked) {
      asked = attr;
      askedSince = performance.now();
      lastPerformed = 0;
    }
  };

  let playing: { name: string; start: number; asked: string } | null = null;
  const started = performance.now();
  const pick = (all: Record<string, ImageBitmap[]>, now: number): ImageBitmap => {
    const neutralName = config.mode === 'obey' ? 'neutral' : (config.loop ?? 'neutral');
    const neutral = all[neutralName] ?? all['neutral']!;
    if (config.mode === 'still') return neutral[0]!;
    if (config.mode === 'obey') {
      pollAsked();
      if (!playing && asked && now - askedSince >= reactionMs) {
        if (lastPerformed === 0 || now - lastPerformed >= retryMs) {
          const name = config.substitute?.[asked] ?? asked;
          if (all[name]) {
            playing = { name, start: now, asked };
            log.performed.push({ asked, played: name, at: Math.round(now - started) });
          }
        }
      }
      if (playing) {
        const seq = config.sequences[playing.name]!;
        const i = Math.floor(((now - playing.start) * seq.fps) / 1000);
        if (i < seq.frames) return all[playing.name]![i]!;
        // Only a performance of what is asked now delays a repeat of it; the tail of the previous
        // step's action, still playing when the next prompt came, must not hold the new one back
        // for retryMs (it did: a prompt during that tail went unanswered and timed out).
        if (playing.asked === asked) lastPerformed = now;
        playing = null;
      }
    }
    // Neutral (or the looped recording) plays forwards then backwards: no jump at the seam.
    const seq = config.sequences[neutralName] ?? config.sequences['neutral']!;
    const n = neutral.length;
    const k = Math.floor(((now - started) * seq.fps) / 1000);
    if (config.mode === 'loop') return neutral[k % n]!;
    const period = Math.max(1, 2 * n - 2);
    const j = k % period;
    return neutral[j < n ? j : period - j]!;
  };

  const real = md.getUserMedia?.bind(md);
  md.getUserMedia = async (constraints?: MediaStreamConstraints): Promise<MediaStream> => {
    log.calls++;
    log.constraints.push(JSON.parse(JSON.stringify(constraints ?? null)));
    if (!constraints?.video && real) return real(constraints);
    if (config.fail) throw new DOMException(`puppet camera: ${config.fail}`, config.fail);
    const all = await load();
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    const ctx = canvas.getContext('2d')!;
    const draw = (): void => ctx.drawImage(pick(all, performance.now()), 0, 0, width, height);
    draw();
    const stream = canvas.captureStream(30);
    const timer = setInterval(draw, 1000 / 30);
    for (const track of stream.getVideoTracks()) {
      log.tracks++;
      log.live++;
      const stop = track.stop.bind(track);
      let stopped = false;
      track.stop = () => {
        if (!stopped) {
          stopped = true;
          log.live--;
          clearInterval(timer);
        }
        stop();
      };
    }
    return stream;
  };
  const realEnumerate = md.enumerateDevices?.bind(md);
  md.enumerateDevices = async (): Promise<MediaDeviceInfo[]> => {
    const others = realEnumerate
      ? (await realEnumerate()).filter((d) => d.kind !== 'videoinput')
      : [];
    if (config.fail === 'NotFoundError') return others;
    const cam = {
      deviceId: 'fv-puppet',
      groupId: 'fv-puppet',
      kind: 'videoinput' as const,
      label: 'Puppet camera',
      toJSON() {
        return {
          deviceId: this.deviceId,
          groupId: this.groupId,
          kind: this.kind,
          label: this.label,
        };
      },
    };
    return [cam as MediaDeviceInfo, ...others];
  };
}

/**
 * Serves rendered puppet frames to `page` at PUPPET_PATH (same-origin, so the canvas is not
 * tainted) and returns the sequence table PuppetConfig needs. Node side only.
 */
export async function routePuppetFrames(
  page: Pick<Page, 'route'>,
  frames: { sequences: Record<string, { fps: number; jpegs: Uint8Array[] }> },
): Promise<PuppetConfig['sequences']> {
  await page.route(`**${PUPPET_PATH}**`, (route) => {
    const [name, file] = new URL(route.request().url()).pathname
      .slice(PUPPET_PATH.length)
      .split('/');
    const jpeg = frames.sequences[name ?? '']?.jpegs[Number.parseInt(file ?? '', 10)];
    return jpeg
      ? route.fulfill({ status: 200, contentType: 'image/jpeg', body: Buffer.from(jpeg) })
      : route.fulfill({ status: 404 });
  });
  return Object.fromEntries(
    Object.entries(frames.sequences).map(([k, seq]) => [
      k,
      { fps: seq.fps, frames: seq.jpegs.length },
    ]),
  );
}
