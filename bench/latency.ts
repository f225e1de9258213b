// npm run bench:latency [-- --frames 60] [--software-webgpu] [--single-thread]
// Headless Chromium, 640×480 frames, per available backend: landmarks (tracking), embedding,
// anti-spoof, cold start. Prints a table, then as the LAST line the wasm result as one JSON
// object. WebGPU is measured when a hardware adapter exists (or with --software-webgpu).
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { LatencyResult } from '../test-pages/inference/latency';
import { startSession } from './lib/browser';
import { percentile } from './lib/stats';
import { round, table } from './lib/table';

const { values } = parseArgs({
  options: {
    frames: { type: 'string', default: '60' },
    'software-webgpu': { type: 'boolean', default: false },
    'single-thread': { type: 'boolean', default: false },
  },
});
const frames = Number(values.frames);
const WARMUP = 5;
const photo = '/node_modules/@vladmandic/face-api/demo/sample3.jpg';

const session = await startSession({ extraArgs: ['--enable-unsafe-webgpu'] });
try {
  const probePage = await session.open('/test-pages/inference/latency.html');
  const adapter = await probePage.evaluate(async () => {
    type Info = { architecture?: string; vendor?: string; isFallbackAdapter?: boolean };
    const gpu = (navigator as { gpu?: { requestAdapter(): Promise<{ info?: Info } | null> } }).gpu;
    const a = gpu ? await gpu.requestAdapter() : null;
    if (!a) return null;
    const info = a.info ?? {};
    return {
      name: `${info.vendor ?? ''} ${info.architecture ?? ''}`.trim(),
      software: info.isFallbackAdapter === true || /swiftshader/i.test(info.architecture ?? ''),
    };
  });
  await probePage.close();

  // Runs in order; the plain wasm run (automatic threads) comes last and gives the last line.
  const runs: { backend: 'wasm' | 'webgpu'; maxThreads?: number }[] = [{ backend: 'wasm' }];
  if (values['single-thread']) runs.unshift({ backend: 'wasm', maxThreads: 1 });
  if (adapter && (!adapter.software || values['software-webgpu']))
    runs.unshift({ backend: 'webgpu' });

  const rows: (string | number)[][] = [];
  const summaries: Record<string, unknown>[] = [];
  const notes: string[] = [];
  for (const run of runs) {
    // A fresh context per run: nothing cached from the previous run, so cold start is cold.
    const context = await session.browser.newContext();
    const page = await context.newPage();
    await page.goto(`${session.served.url}/test-pages/inference/latency.html`);
    await page.waitForFunction(() => document.body.dataset['ready'] === 'true');
    const r: LatencyResult = await page.evaluate((o) => window.fvLatency.run(o), {
      ...run,
      frames: frames + WARMUP,
      photo,
    });
    await context.close();
    const steps = Object.entries(r.loadTimings)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    notes.push(
      `${r.backend}/${r.threads}t cold start: worker steps (worker ms) ${steps}; first detect ${round(r.firstDetectMs, 0)} ms, first analyze ${round(r.firstAnalyzeMs, 0)} ms`,
    );
    const steady = (v: number[]) => v.slice(WARMUP);
    const summary = {
      backend: r.backend,
      landmarks_ms_p50: round(percentile(steady(r.landmarksMs), 50), 2),
      landmarks_ms_p95: round(percentile(steady(r.landmarksMs), 95), 2),
      embed_ms_p50: round(percentile(steady(r.embedMs), 50), 2),
      antispoof_ms_p50: round(percentile(steady(r.antispoofMs), 50), 2),
      cold_start_ms: round(r.coldStartMs, 0),
      threads: r.threads,
    };
    summaries.push(summary);
    rows.push([
      r.backend,
      r.threads,
      summary.landmarks_ms_p50,
      summary.landmarks_ms_p95,
      summary.embed_ms_p50,
      round(percentile(steady(r.embedMs), 95), 2),
      round(percentile(steady(r.embedWorkerMs), 50), 2),
      summary.antispoof_ms_p50,
      summary.cold_start_ms,
      `${round(r.inferenceReadyMs, 0)}/${round(r.landmarkerReadyMs, 0)}`,
      r.framesWithoutFace,
      r.fallback ?? '',
    ]);
  }

  console.log(
    `640x480 frames: ${frames} timed after ${WARMUP} warm-up; WebGPU adapter: ${adapter ? `${adapter.name}${adapter.software ? ' (software, skipped)' : ''}` : 'none'}`,
  );
  console.log(
    `machine: ${cpus().length} CPUs, load average ${loadavg()[0]!.toFixed(1)} (figures scale with other load)`,
  );
  console.log(
    'embed/antispoof are worker round trips (frame transfer + preprocessing + ORT run).\n',
  );
  console.log(
    table(
      [
        'backend',
        'threads',
        'landmarks p50',
        'landmarks p95',
        'embed p50',
        'embed p95',
        'embed in worker p50',
        'antispoof p50',
        'cold start',
        'ready: worker/landmarker',
        'no face',
        'fallback',
      ],
      rows,
    ),
  );
  for (const n of notes) console.log(n);
  console.log(
    'targets (2-core CPU, wasm): landmarks p50 <= 15 ms, embed <= 40 ms, cold start <= 2000 ms',
  );
  // One JSON line per run; the last is wasm with automatic threads (the line tools read).
  for (const s of summaries) console.log(JSON.stringify(s));
} finally {
  await session.close();
}
