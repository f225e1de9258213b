// 1:N identify over N templates through the real SQLite store (encrypted rows, the in-memory
// SIMD index, the generation check before each search). Exported for bench/server.ts and
// runnable alone; prints a table, the last line is JSON.
//
//   npx tsx bench/lib/identify-bench.ts     FV_BENCH_TEMPLATES (100000), FV_BENCH_QUERIES (300)

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DataKeyring } from '../../src/server/store/at-rest';
import { SqliteStore } from '../../src/server/store/sqlite';
import { VECTOR_LENGTH } from '../../src/protocol/payload';
import { percentile } from './stats';
import { round, table } from './table';

export interface IdentifyBenchResult {
  templates: number;
  queries: number;
  k: number;
  seed_ms: number;
  /** First identify after the library changed elsewhere: decrypt + index every template. */
  reload_ms: number;
  reload_cpu_ms: number;
  p50_ms: number;
  p99_ms: number;
  /** CPU time of this process per query: what the figures would be on an idle core. */
  cpu_p50_ms: number;
  cpu_p99_ms: number;
  /** Share of queries whose top hit was the template they were derived from. */
  top1_rate: number;
}

/** Deterministic vector (xorshift), so runs are comparable. */
function vector(seed: number): Float32Array {
  const out = new Float32Array(VECTOR_LENGTH);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < VECTOR_LENGTH; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = (x >>> 0) / 4294967296 - 0.5;
  }
  return out;
}

export async function benchIdentify(
  opts: { templates?: number; queries?: number; k?: number } = {},
): Promise<IdentifyBenchResult> {
  const templates = opts.templates ?? 100_000;
  const queries = opts.queries ?? 300;
  const k = opts.k ?? 5;
  const dir = mkdtempSync(join(tmpdir(), 'fv-identify-bench-'));
  const keyring = DataKeyring.generate();
  const path = join(dir, 'bench.db');
  const writer = new SqliteStore({ path, keyring, synchronous: 'normal' });
  const reader = new SqliteStore({ path, keyring, synchronous: 'normal' });
  try {
    await writer.migrate();
    const t0 = performance.now();
    for (let start = 0; start < templates; start += 10_000) {
      const batch = [];
      for (let i = start; i < Math.min(templates, start + 10_000); i++) {
        const subjectId = `s${i}`;
        batch.push({
          subject: { subjectId, devicePublicKey: null, createdAt: 1 },
          template: {
            templateId: `t${i}`,
            subjectId,
            modelId: 'bench',
            vector: vector(i + 1),
            createdAt: 1,
          },
        });
      }
      await writer.enrollMany(batch);
    }
    const seedMs = performance.now() - t0;

    // `reader` is a second instance: its first search loads everything the writer stored.
    const probe = (i: number): Float32Array => {
      const base = vector((i % templates) + 1);
      const noise = vector(10_000_000 + i);
      return base.map((x, j) => x + 0.1 * noise[j]!);
    };
    const r0 = performance.now();
    const rc0 = process.cpuUsage();
    await reader.identify(probe(0), 'bench', k);
    const reloadMs = performance.now() - r0;
    const rc = process.cpuUsage(rc0);

    for (let i = 0; i < 10; i++) await reader.identify(probe(i), 'bench', k); // warm-up
    const lat: number[] = [];
    const cpu: number[] = [];
    let top1 = 0;
    for (let q = 0; q < queries; q++) {
      const i = (q * 7919) % templates;
      const p = probe(i);
      const c0 = process.cpuUsage();
      const s = performance.now();
      const hits = await reader.identify(p, 'bench', k);
      lat.push(performance.now() - s);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      if (hits[0]?.templateId === `t${i}`) top1++;
    }
    return {
      templates,
      queries,
      k,
      seed_ms: round(seedMs, 0),
      reload_ms: round(reloadMs, 1),
      reload_cpu_ms: round((rc.user + rc.system) / 1000, 1),
      p50_ms: round(percentile(lat, 50), 2),
      p99_ms: round(percentile(lat, 99), 2),
      cpu_p50_ms: round(percentile(cpu, 50), 2),
      cpu_p99_ms: round(percentile(cpu, 99), 2),
      top1_rate: round(top1 / queries, 4),
    };
  } finally {
    await reader.close();
    await writer.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await benchIdentify({
    templates: Number(process.env['FV_BENCH_TEMPLATES'] ?? 100_000),
    queries: Number(process.env['FV_BENCH_QUERIES'] ?? 300),
  });
  console.log(
    table(
      ['measure', 'value'],
      [
        ['templates (SQLite, AES-256-GCM at rest)', r.templates],
        ['seed time (ms, enrollMany in batches of 10 000)', r.seed_ms],
        ['cold load of the index (ms wall / CPU)', `${r.reload_ms} / ${r.reload_cpu_ms}`],
        [`identify p50 (ms, k=${r.k}, ${r.queries} queries)`, r.p50_ms],
        ['identify p99 (ms, target <= 50)', r.p99_ms],
        ['identify CPU time per query p50 / p99 (ms)', `${r.cpu_p50_ms} / ${r.cpu_p99_ms}`],
        ['top-1 hit rate of noisy probes', r.top1_rate],
      ],
    ),
  );
  console.log(
    JSON.stringify({
      identify_100k_p50_ms: r.p50_ms,
      identify_100k_p99_ms: r.p99_ms,
      identify_100k_cpu_p99_ms: r.cpu_p99_ms,
      identify_reload_ms: r.reload_ms,
      templates: r.templates,
    }),
  );
}
