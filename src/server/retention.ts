// Scheduled retention: runs Store.purge on an interval with an injectable clock, so
// verification records go after 3 days, consent records after >= 6 months, and so on
// (defaults in store/types.ts). One run at a time; stop() waits for a run in flight.

import { resolveRetention } from './store/common';
import type { PurgeCounts, RetentionPolicy, Store } from './store/types';

export interface RetentionJobOptions {
  store: Pick<Store, 'purge'>;
  /** Epoch ms. Default Date.now. */
  clock?: () => number;
  /** Default one hour. */
  intervalMs?: number;
  policy?: Partial<RetentionPolicy>;
  /** Counts only: never personal data. */
  onRun?: (counts: PurgeCounts, at: number) => void;
  onError?: (error: unknown) => void;
  /** Run once immediately on start. Default true. */
  runOnStart?: boolean;
}

export interface RetentionJob {
  /** Purges now (waits for a run already in flight instead of overlapping it). */
  runOnce(): Promise<PurgeCounts>;
  stop(): Promise<void>;
}

export function startRetention(opts: RetentionJobOptions): RetentionJob {
  const policy = resolveRetention(opts.policy); // bad policy fails at start, not hours later
  const clock = opts.clock ?? Date.now;
  const intervalMs = opts.intervalMs ?? 3_600_000;
  if (!Number.isFinite(intervalMs) || intervalMs < 1000) {
    throw new RangeError('retention intervalMs must be at least 1000');
  }
  let inFlight: Promise<PurgeCounts> | null = null;
  let stopped = false;

  const runOnce = (): Promise<PurgeCounts> => {
    if (inFlight !== null) return inFlight;
    const run = (async () => {
      const at = clock();
      const counts = await opts.store.purge(at, policy);
      opts.onRun?.(counts, at);
      return counts;
    })();
    inFlight = run;
    run
      .finally(() => {
        if (inFlight === run) inFlight = null;
      })
      .catch(() => {}); // the caller of runOnce sees the error
    return run;
  };

  const tick = (): void => {
    if (stopped) return;
    runOnce().catch((e: unknown) => opts.onError?.(e));
  };

  const timer = setInterval(tick, intervalMs);
  timer.unref(); // never keeps the process alive on its own
  if (opts.runOnStart ?? true) tick();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await inFlight?.catch(() => {});
    },
  };
}
