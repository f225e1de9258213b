// npm run bench:flow -- [--runs 3] [--before DIR] [--root DIR] [--dwell 3000] [--reaction 400]
//   [--only cold,warm,cold-20,warm-20]
//
// What a person at the camera waits for. Headless Chromium opens the real demo (`npm start`'s
// startDemo(): Vite + the endpoint + the demo host's grant route), the QA kit's puppet camera
// shows a sample person who performs each requested action `--reaction` ms after it is asked,
// and the bench enrols a new subject per run (Accept after `--dwell` ms on the consent screen).
//
// Scenarios, each in its own fresh browser profile (a disk cache, as a returning visitor has):
//   cold        first visit, unthrottled
//   warm        second visit in the same profile (HTTP cache, code cache, Cache Storage kept)
//   cold-20     first visit with CDP network emulation: 20 Mbit/s down, 10 up, 40 ms RTT
//   warm-20     second visit in that profile, same emulation
// Per phase, from the element's events (fv-step, fv-progress, fv-result) and page clocks, in ms
// after Accept: assets (last model/runtime response), models ready, camera first frame,
// guidance passed (first challenge step), each challenge, extract, seal+submit, verdict.
// Bytes are counted on the wire: CDP Network.loadingFinished encodedDataLength over the page
// and its workers (a raw CDP client auto-attaches to the workers, which Playwright's sessions
// cannot address); the puppet's own frames are not counted. The page's emulation also throttles
// its dedicated workers (the worker targets refuse emulation of their own).
//
// --before DIR: a checkout of the code to compare (e.g. `git archive <commit> | tar -x -C DIR`
// with node_modules and public/ beside it). Both are measured in the same run, alternating run
// by run, because this machine is shared and noisy. Never prints a frame, landmark or vector.
// Last line: {"cold_20mbps_ms":…,"warm_ms":…,"first_visit_bytes":…,"challenges_ms_p50":…}
// (medians of the code in this checkout; with --before also a "before" object).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { Connect } from 'vite';
import { prepareFace } from '../scripts/fake-camera/clip';
import { openKitLandmarkSession } from '../src/testing/landmarks';
import { chromiumArgs, chromiumPath } from '../src/testing/launch';
import { renderPuppetFrames } from '../src/testing/frames';
import { seedSampleFaces } from '../src/testing/face-seeds';
import { samplePeople } from '../src/testing/photos';
import { PUPPET_PATH, puppetInit, type PuppetConfig } from '../src/testing/puppet';
import { table } from './lib/table';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    before: { type: 'string' },
    root: { type: 'string', default: '.' },
    dwell: { type: 'string', default: '3000' },
    reaction: { type: 'string', default: '400' },
    only: { type: 'string', default: 'cold,warm,cold-20,warm-20' },
    port: { type: 'string', default: '6431' },
  },
});
const RUNS = Math.max(1, Number(values.runs));
const DWELL_MS = Number(values.dwell);
const REACTION_MS = Number(values.reaction);
const ONLY = new Set(values.only.split(','));
const started = performance.now();
const progress = (what: string) =>
  process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0)} s] ${what}\n`);

// ---------------------------------------------------------------------------------------------
// The code under test: this checkout, and optionally a "before" checkout, each its own demo.

interface Demo {
  url: string;
  vite: { middlewares: Connect.Server };
  close(): Promise<void>;
}
interface Variant {
  name: 'after' | 'before';
  root: string;
  demo: Demo;
  data: string;
}

const face = await (async () => {
  seedSampleFaces();
  const held: { s: ReturnType<typeof openKitLandmarkSession> | null } = { s: null };
  try {
    return await prepareFace(samplePeople.fay(), () => (held.s ??= openKitLandmarkSession()));
  } finally {
    if (held.s) await (await held.s).close();
  }
})();
const frames = renderPuppetFrames(face, 'live');
const puppetConfig: PuppetConfig = {
  sequences: Object.fromEntries(
    Object.entries(frames.sequences).map(([k, s]) => [k, { fps: s.fps, frames: s.jpegs.length }]),
  ),
  mode: 'obey',
  reactionMs: REACTION_MS,
  retryMs: 2500,
};

/**
 * The puppet's frames come from the demo server itself, not from page.route: Playwright turns
 * the HTTP cache off for a page with routes, and the warm runs are about that cache.
 */
const puppetFrames: Connect.NextHandleFunction = (req, res, next) => {
  const path = (req.url ?? '').split('?')[0]!;
  if (!path.startsWith(PUPPET_PATH)) return next();
  const [name, file] = path.slice(PUPPET_PATH.length).split('/');
  const jpeg = frames.sequences[name ?? '']?.jpegs[Number.parseInt(file ?? '', 10)];
  if (!jpeg) {
    res.statusCode = 404;
    res.end();
    return;
  }
  res.setHeader('Content-Type', 'image/jpeg');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.end(Buffer.from(jpeg));
};

async function startVariant(name: Variant['name'], root: string, port: number): Promise<Variant> {
  const mod = (await import(pathToFileURL(join(root, 'scripts/start.ts')).href)) as {
    startDemo(o: {
      demoPort: number;
      endpointPort: number;
      dataDir: string;
      quiet: boolean;
    }): Promise<Demo>;
  };
  const data = mkdtempSync(join(tmpdir(), `fv-bench-flow-${name}-`));
  const demo = await mod.startDemo({
    demoPort: port,
    endpointPort: port + 3600,
    dataDir: data,
    quiet: true,
  });
  // First in the stack, before Vite's own handlers.
  const stack = (demo.vite.middlewares as unknown as { stack: unknown[] }).stack;
  demo.vite.middlewares.use(puppetFrames);
  stack.unshift(stack.pop());
  return { name, root, demo, data };
}

// ---------------------------------------------------------------------------------------------
// A raw CDP client beside Playwright: network emulation and byte counts for the page AND its
// dedicated workers (Playwright's CDP sessions cannot address worker targets).

interface WireRequest {
  url: string;
  bytes: number;
  /** Wall-clock ms of loadingFinished. */
  end: number;
  cached: boolean;
}

class Cdp {
  private ws: WebSocket;
  private id = 0;
  private readonly calls = new Map<number, (r: { result?: unknown; error?: unknown }) => void>();
  /** Monotonic-to-wall offset (ms) per session, learnt from requestWillBeSent. */
  private readonly offset = new Map<string, number>();
  private readonly urls = new Map<string, string>();
  private readonly cachedIds = new Set<string>();
  readonly requests: WireRequest[] = [];
  /** CDP calls that failed (e.g. a target type without network emulation). */
  readonly notes = new Set<string>();
  throttle: { down: number; up: number; latency: number } | null = null;

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.addEventListener('message', (e) => this.onMessage(JSON.parse(String(e.data)) as CdpMessage));
  }

  static async connect(userDataDir: string): Promise<Cdp> {
    const [port, path] = readFileSync(join(userDataDir, 'DevToolsActivePort'), 'utf8').split('\n');
    // Node 20: the global WebSocket needs --experimental-websocket (see package.json).
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`);
    await new Promise((ok, fail) => {
      ws.addEventListener('open', ok, { once: true });
      ws.addEventListener('error', fail, { once: true });
    });
    const cdp = new Cdp(ws);
    await cdp.send('Target.setAutoAttach', {
      autoAttach: true,
      waitForDebuggerOnStart: false,
      flatten: true,
      filter: [{ type: 'page' }],
    });
    return cdp;
  }

  send(method: string, params: object = {}, sessionId?: string): Promise<unknown> {
    const id = ++this.id;
    this.ws.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    return new Promise((ok, fail) =>
      this.calls.set(id, (r) =>
        r.error ? fail(new Error(JSON.stringify(r.error))) : ok(r.result),
      ),
    );
  }

  /** Counting and throttling on; a paused worker is always let go, whatever failed. */
  private async setUp(sessionId: string, type: string): Promise<void> {
    try {
      await this.send('Network.enable', {}, sessionId);
      // Emulation is set on the page: Chromium throttles a page's dedicated workers with it
      // (worker targets answer "Not supported" themselves), so they share the 20 Mbit/s.
      if (this.throttle && type === 'page') {
        await this.send(
          'Network.emulateNetworkConditions',
          {
            offline: false,
            latency: this.throttle.latency,
            downloadThroughput: this.throttle.down / 8,
            uploadThroughput: this.throttle.up / 8,
          },
          sessionId,
        );
      }
      if (type === 'page') {
        await this.send(
          'Target.setAutoAttach',
          { autoAttach: true, waitForDebuggerOnStart: true, flatten: true },
          sessionId,
        );
      }
    } finally {
      if (type !== 'page')
        await this.send('Runtime.runIfWaitingForDebugger', {}, sessionId).catch(() => undefined);
    }
  }

  private onMessage(m: CdpMessage): void {
    if (m.id !== undefined) {
      this.calls.get(m.id)?.(m);
      this.calls.delete(m.id);
      return;
    }
    const p = m.params ?? {};
    const s = m.sessionId ?? '';
    switch (m.method) {
      case 'Target.attachedToTarget': {
        const info = p['targetInfo'] as { type: string };
        void this.setUp(p['sessionId'] as string, info.type).catch(() => undefined);
        break;
      }
      case 'Network.requestWillBeSent': {
        this.offset.set(s, (p['wallTime'] as number) * 1000 - (p['timestamp'] as number) * 1000);
        this.urls.set(`${s}|${p['requestId'] as string}`, (p['request'] as { url: string }).url);
        break;
      }
      case 'Network.requestServedFromCache':
        this.cachedIds.add(`${s}|${p['requestId'] as string}`);
        break;
      case 'Network.loadingFinished': {
        const key = `${s}|${p['requestId'] as string}`;
        const url = this.urls.get(key);
        if (!url) break;
        this.requests.push({
          url,
          bytes: p['encodedDataLength'] as number,
          end: (p['timestamp'] as number) * 1000 + (this.offset.get(s) ?? 0),
          cached: this.cachedIds.has(key),
        });
        break;
      }
    }
  }

  close(): void {
    this.ws.close();
  }
}

interface CdpMessage {
  id?: number;
  method?: string;
  params?: Record<string, unknown>;
  sessionId?: string;
  result?: unknown;
  error?: unknown;
}

// ---------------------------------------------------------------------------------------------
// Page-side clocks: the element's events with their moments (no personal data in any of them).

interface BenchEvent {
  type: string;
  t: number;
  step?: string;
  challenge?: string | null;
  index?: number | null;
  attempt?: number | null;
  phase?: string;
  value?: number | null;
  decision?: string;
  code?: string;
  message?: string;
}
interface BenchLog {
  events: BenchEvent[];
  firstFrame: number | null;
  accept: number | null;
  timeOrigin: number;
}

function benchInit(): void {
  const w = window as unknown as { __fvBench?: BenchLog };
  if (w.__fvBench) return;
  const log: BenchLog = { events: [], firstFrame: null, accept: null, timeOrigin: 0 };
  log.timeOrigin = performance.timeOrigin;
  w.__fvBench = log;
  for (const type of ['fv-step', 'fv-progress', 'fv-result', 'fv-error']) {
    window.addEventListener(
      type,
      (e) => {
        const d = (e as CustomEvent<Record<string, unknown>>).detail ?? {};
        const el = e.target as { flowState?: { challenge?: { index: number; attempt: number } } };
        const c = el.flowState?.challenge;
        log.events.push({
          type,
          t: performance.now(),
          step: d['step'] as string,
          challenge: (d['challenge'] as string | null) ?? null,
          index: c?.index ?? null,
          attempt: c?.attempt ?? null,
          phase: d['phase'] as string,
          value: d['value'] as number | null,
          decision: d['decision'] as string,
          code: d['code'] as string,
          message: d['message'] as string,
        });
      },
      true,
    );
  }
  // The first frame the element's <video> shows (it lives in the element's shadow root).
  const hooked = new WeakSet<HTMLVideoElement>();
  const timer = setInterval(() => {
    const v = document.querySelector('face-verify')?.shadowRoot?.querySelector('video');
    if (!v || hooked.has(v)) return;
    hooked.add(v);
    v.requestVideoFrameCallback(() => {
      log.firstFrame ??= performance.now();
      clearInterval(timer);
    });
  }, 10);
}

// ---------------------------------------------------------------------------------------------
// One visit.

type Scenario = 'cold' | 'warm' | 'cold-20' | 'warm-20';

interface Run {
  variant: Variant['name'];
  scenario: Scenario;
  ok: boolean;
  outcome: string;
  /** ms after Accept. */
  phases: Record<string, number | null>;
  /** Each challenge: from the previous one's end (or the first prompt step) to its end. */
  challenges: number[];
  /** Prompt on screen → recognised. */
  reactions: number[];
  attempts: number;
  /** Consent on screen (ms after the widget was loaded). */
  consentShown: number | null;
  bytes: { total: number; assets: number; app: number; endpoint: number; requests: number };
  verdictMs: number | null;
  pageToVerdictMs: number | null;
}

const isAsset = (url: string) => /^\/(models|runtime)\//.test(new URL(url).pathname);
/** Every model/runtime URL a visit fetched (to wait for the server's compressed copies). */
const seenAssets = new Set<string>();

/**
 * A server that compresses on first request (face-verify/vite) sends identity until its copy is
 * ready: measured visits start only once every file it offers compressed (`Vary`) comes so.
 */
async function compressedReady(v: Variant): Promise<void> {
  const deadline = Date.now() + 300_000;
  for (const url of [...seenAssets].filter((u) => u.startsWith(new URL(v.demo.url).origin))) {
    for (;;) {
      const res = await fetch(url, { method: 'HEAD', headers: { 'accept-encoding': 'br, gzip' } });
      const vary = res.headers.get('vary') ?? '';
      if (!/accept-encoding/i.test(vary) || res.headers.get('content-encoding')) break;
      if (Date.now() > deadline) throw new Error(`${url} never came compressed`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

async function visit(
  context: BrowserContext,
  cdp: Cdp,
  v: Variant,
  scenario: Scenario,
  n: number,
): Promise<Run> {
  cdp.requests.length = 0;
  const page: Page = await context.newPage();
  page.on('requestfinished', (r) => {
    if (isAsset(r.url())) seenAssets.add(r.url());
  });
  const subject = `bench-${v.name}-${scenario}-${n}-${Date.now()}`;
  let outcome = 'timeout';
  try {
    await page.goto(v.demo.url);
    // The puppet decodes its ≈ 200 frames at its first getUserMedia: done here, before anything
    // is measured, as a real camera is ready before the person arrives. The element's own camera
    // request after Accept then gets frames at once.
    await page.evaluate(async () => {
      const s = await navigator.mediaDevices.getUserMedia({ video: true });
      for (const t of s.getTracks()) t.stop();
    });
    await page.check('input[name="mode"][value="enroll"]');
    await page.fill('#subject', subject);
    await page.selectOption('#lang', 'en');
    await page.selectOption('#backend', 'wasm');
    const loadedAt = await page.evaluate(() => performance.now());
    await page.click('#setup button[type="submit"]');
    await page.waitForSelector('face-verify[step="consent"]', { timeout: 60_000 });
    const shownAt = await page.evaluate(() => performance.now());
    await page.waitForTimeout(DWELL_MS);
    // Tick and press Accept in one task, so the Accept moment is exact.
    await page.evaluate(() => {
      const root = document.querySelector('face-verify')!.shadowRoot!;
      const box = root.querySelector<HTMLInputElement>('[part~="sensitive"] input')!;
      if (!box.checked) box.click();
      (window as unknown as { __fvBench: BenchLog }).__fvBench.accept = performance.now();
      root.querySelector<HTMLButtonElement>('[part~="accept"]')!.click();
    });
    await page.waitForSelector('face-verify[step="result"], face-verify[step="error"]', {
      timeout: 120_000,
    });
    const log = await page.evaluate(() => (window as unknown as { __fvBench: BenchLog }).__fvBench);
    await page.waitForTimeout(200); // last loadingFinished events
    return summarise(v, scenario, log, loadedAt, shownAt, cdp.requests);
  } catch (error) {
    outcome = error instanceof Error ? error.message.split('\n')[0]! : String(error);
    // Where it stopped: the step and the last events (codes and steps only).
    const where = await page
      .evaluate(() => {
        const b = (window as unknown as { __fvBench?: BenchLog }).__fvBench;
        const step = document.querySelector('face-verify')?.getAttribute('step');
        const last = (b?.events ?? [])
          .slice(-6)
          .map((e) => `${e.type}:${e.step ?? e.phase ?? ''}:${e.challenge ?? ''}:${e.index ?? ''}`);
        return `step=${step} ${last.join(' ')}`;
      })
      .catch(() => '');
    outcome = `${outcome} (${where})`;
    return {
      variant: v.name,
      scenario,
      ok: false,
      outcome,
      phases: {},
      challenges: [],
      reactions: [],
      attempts: 0,
      consentShown: null,
      bytes: { total: 0, assets: 0, app: 0, endpoint: 0, requests: 0 },
      verdictMs: null,
      pageToVerdictMs: null,
    };
  } finally {
    await page.close();
  }
}

function summarise(
  v: Variant,
  scenario: Scenario,
  log: BenchLog,
  loadedAt: number,
  shownAt: number,
  requests: WireRequest[],
): Run {
  const accept = log.accept!;
  const rel = (t: number | null | undefined) => (t == null ? null : Math.round(t - accept));
  const ev = log.events.filter((e) => e.t >= accept);
  const firstStep = (step: string) => ev.find((e) => e.type === 'fv-step' && e.step === step)?.t;
  const result = ev.find((e) => e.type === 'fv-result');
  const error = ev.find((e) => e.type === 'fv-error');
  const modelsReady = ev.find(
    (e) => e.type === 'fv-progress' && e.phase === 'models' && e.value === 1,
  );
  // Challenges: steps of the `challenges` phase, by runner index.
  const ch = ev.filter((e) => e.type === 'fv-step' && e.step === 'challenges');
  const challengesStart = ch[0]?.t ?? null;
  const extracting = firstStep('extracting') ?? null;
  const challenges: number[] = [];
  const reactions: number[] = [];
  let attempts = 0;
  if (challengesStart !== null && extracting !== null) {
    const indices = [...new Set(ch.map((e) => e.index).filter((i): i is number => i !== null))];
    let from = challengesStart;
    for (const i of indices) {
      const next = ch.find((e) => e.index != null && e.index > i)?.t ?? extracting;
      challenges.push(Math.round(next - from));
      const prompts = ch.filter((e) => e.index === i && e.challenge);
      attempts += new Set(prompts.map((e) => e.attempt)).size;
      const lastPrompt = prompts.at(-1);
      if (lastPrompt) reactions.push(Math.round(next - lastPrompt.t));
      from = next;
    }
  }
  // Wire: wall clock → page clock.
  const toPage = (wall: number) => wall - log.timeOrigin;
  const counted = requests.filter((r) => !new URL(r.url).pathname.startsWith(PUPPET_PATH));
  const assets = counted.filter((r) => isAsset(r.url));
  const endpoint = counted.filter((r) =>
    /\/(fv|fv-admin|demo-host)\//.test(new URL(r.url).pathname),
  );
  const sum = (rs: WireRequest[]) => rs.reduce((s, r) => s + r.bytes, 0);
  const lastAsset = assets.length ? Math.max(...assets.map((r) => toPage(r.end))) : null;
  const verdict = result?.t ?? null;
  return {
    variant: v.name,
    scenario,
    ok: result?.decision === 'enrolled',
    outcome: result
      ? `result ${result.decision}`
      : error
        ? `error ${error.code}: ${error.message ?? ''}`
        : 'no outcome',
    phases: {
      assets: lastAsset === null ? null : Math.max(0, rel(lastAsset)!),
      models: rel(modelsReady?.t),
      firstFrame: rel(log.firstFrame),
      guidance: rel(firstStep('guidance')),
      challenges: rel(challengesStart),
      extract: rel(extracting),
      submit: rel(firstStep('submitting')),
      verdict: rel(verdict),
    },
    challenges,
    reactions,
    attempts,
    consentShown: Math.round(shownAt - loadedAt),
    bytes: {
      total: sum(counted),
      assets: sum(assets),
      endpoint: sum(endpoint),
      app: sum(counted) - sum(assets) - sum(endpoint),
      requests: counted.length,
    },
    verdictMs: rel(verdict),
    pageToVerdictMs: verdict === null ? null : Math.round(verdict - loadedAt),
  };
}

// ---------------------------------------------------------------------------------------------

const THROTTLE = { down: 20e6, up: 10e6, latency: 40 };

async function profile(
  v: Variant,
  throttled: boolean,
  scenarios: Scenario[],
  n: number,
): Promise<Run[]> {
  const dir = mkdtempSync(join(tmpdir(), 'fv-bench-flow-profile-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: chromiumPath(),
    headless: true,
    args: [
      ...chromiumArgs,
      '--remote-debugging-port=0',
      '--use-fake-ui-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
    ],
    viewport: { width: 1280, height: 900 },
  });
  let cdp: Cdp | null = null;
  try {
    // tsx compiles with keepNames: functions handed to the page call esbuild's `__name` helper.
    await context.addInitScript({ content: 'globalThis.__name ??= (f) => f;' });
    await context.addInitScript(puppetInit, puppetConfig);
    await context.addInitScript(benchInit);
    cdp = await Cdp.connect(dir);
    if (throttled) cdp.throttle = THROTTLE;
    const runs: Run[] = [];
    // A warm visit needs a first one in this profile: unmeasured when the cold one was not asked.
    if (scenarios[0]?.startsWith('warm')) await visit(context, cdp, v, 'cold', n);
    for (const s of scenarios) {
      const run = await visit(context, cdp, v, s, n);
      progress(
        `${v.name} ${s} #${n}: ${run.outcome}, Accept→verdict ${run.verdictMs ?? '-'} ms, ` +
          `${(run.bytes.total / 1e6).toFixed(2)} MB`,
      );
      runs.push(run);
    }
    return runs;
  } finally {
    for (const note of cdp?.notes ?? []) progress(`  cdp: ${note}`);
    cdp?.close();
    await context.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]): number | null => {
  const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : Math.round((s[m - 1]! + s[m]!) / 2);
};

const variants: Variant[] = [];
const basePort = Number(values.port);
variants.push(await startVariant('after', resolve(values.root), basePort));
if (values.before)
  variants.push(await startVariant('before', resolve(values.before), basePort + 1));

const runs: Run[] = [];
try {
  // One unmeasured visit per variant: Vite transforms and pre-bundles on first request.
  for (const v of variants) {
    progress(`${v.name}: warming the dev server`);
    await profile(v, false, ['cold'], 0);
    await compressedReady(v);
  }
  for (let n = 1; n <= RUNS; n++) {
    // Alternate which variant goes first, so drift in the machine's load hits both alike.
    const order = n % 2 ? variants : [...variants].reverse();
    for (const v of order) {
      const plain = (['cold', 'warm'] as const).filter((s) => ONLY.has(s));
      const slow = (['cold-20', 'warm-20'] as const).filter((s) => ONLY.has(s));
      if (plain.length) runs.push(...(await profile(v, false, [...plain], n)));
      if (slow.length) runs.push(...(await profile(v, true, [...slow], n)));
    }
  }
} finally {
  for (const v of variants) {
    await v.demo.close();
    rmSync(v.data, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Report: medians per variant and scenario.

const PHASES = [
  'assets',
  'models',
  'firstFrame',
  'guidance',
  'challenges',
  'extract',
  'submit',
  'verdict',
];
const rows: (string | number)[][] = [];
const summary: Record<string, Record<string, number | null>> = {};
for (const v of variants) {
  for (const s of ['cold', 'warm', 'cold-20', 'warm-20'] as Scenario[]) {
    const rs = runs.filter((r) => r.variant === v.name && r.scenario === s);
    if (!rs.length) continue;
    const okRuns = rs.filter((r) => r.ok);
    const med = (f: (r: Run) => number | null) =>
      median(okRuns.map(f).filter((x): x is number => x !== null));
    rows.push([
      v.name,
      s,
      `${okRuns.length}/${rs.length}`,
      ...PHASES.map((p) => med((r) => r.phases[p] ?? null) ?? '-'),
      med((r) => r.pageToVerdictMs) ?? '-',
      ((med((r) => r.bytes.total) ?? 0) / 1e6).toFixed(2),
      ((med((r) => r.bytes.assets) ?? 0) / 1e6).toFixed(2),
      median(okRuns.flatMap((r) => r.challenges)) ?? '-',
      median(okRuns.flatMap((r) => r.reactions)) ?? '-',
      med((r) => r.attempts) ?? '-',
    ]);
    summary[`${v.name}:${s}`] = {
      verdict: med((r) => r.verdictMs),
      page: med((r) => r.pageToVerdictMs),
      bytes: med((r) => r.bytes.total),
      challenge: median(okRuns.flatMap((r) => r.challenges)),
    };
  }
}
console.log(
  `\nbench:flow — ${RUNS} run(s) per scenario, medians of successful runs; ms after Accept ` +
    `(consent read for ${DWELL_MS} ms, puppet reacts after ${REACTION_MS} ms); ` +
    `${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(1)}\n`,
);
console.log(
  table(
    [
      'code',
      'scenario',
      'ok',
      ...PHASES,
      'page→verdict',
      'MB wire',
      'MB assets',
      'challenge',
      'prompt→done',
      'attempts',
    ],
    rows,
  ),
);
for (const r of runs.filter((r) => !r.ok))
  console.log(`  failed: ${r.variant} ${r.scenario}: ${r.outcome}`);

const pick = (v: string) => ({
  cold_20mbps_ms: summary[`${v}:cold-20`]?.['verdict'] ?? null,
  warm_ms: summary[`${v}:warm`]?.['verdict'] ?? summary[`${v}:warm-20`]?.['verdict'] ?? null,
  first_visit_bytes: summary[`${v}:cold`]?.['bytes'] ?? summary[`${v}:cold-20`]?.['bytes'] ?? null,
  challenges_ms_p50: median(
    runs.filter((r) => r.variant === v && r.ok).flatMap((r) => r.challenges),
  ),
});
console.log(
  JSON.stringify({
    ...pick('after'),
    ...(values.before ? { before: pick('before') } : {}),
  }),
);
