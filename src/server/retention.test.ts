import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startRetention } from './retention';
import { DataKeyring } from './store/at-rest';
import { SqliteStore } from './store/sqlite';
import { vec } from './store/testing/fixtures';
import { StoreError, type PurgeCounts } from './store/types';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 1);

let dir = '';
let store: SqliteStore;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fv-retention-'));
  store = new SqliteStore({ path: join(dir, 'db.sqlite'), keyring: DataKeyring.generate() });
  await store.migrate();
  vi.useFakeTimers();
});
afterEach(async () => {
  vi.useRealTimers();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('retention job', () => {
  it('purges on schedule using the injected clock, and stops', async () => {
    let now = T0;
    const runs: [PurgeCounts, number][] = [];
    await store.enroll(
      { subjectId: 's1', devicePublicKey: null, createdAt: T0 },
      { templateId: 't1', subjectId: 's1', modelId: 'm1', vector: vec(1), createdAt: T0 },
    );
    await store.addVerification({
      id: 'v1',
      subjectId: 's1',
      kind: 'verify',
      decision: 'accept',
      score: 0.9,
      at: T0,
    });
    await store.addVerification({
      id: 'v2',
      subjectId: 's1',
      kind: 'verify',
      decision: 'reject',
      score: 0.1,
      at: T0 + DAY,
    });

    const job = startRetention({
      store,
      clock: () => now,
      intervalMs: HOUR,
      onRun: (c, at) => runs.push([c, at]),
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual([[{ verifications: 0, consents: 0, calls: 0, sessions: 0 }, T0]]);

    now = T0 + 3 * DAY + 1; // v1 is now older than 3 days, v2 is not
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(runs[1]).toEqual([{ verifications: 1, consents: 0, calls: 0, sessions: 0 }, now]);
    expect((await store.exportSubject('s1')).verifications.map((v) => v.id)).toEqual(['v2']);

    now = T0 + 4 * DAY + 1;
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(runs[2]![0].verifications).toBe(1);
    // Templates are not verification data: enrolment stays until deletion or withdrawal.
    expect((await store.listTemplates('s1')).length).toBe(1);

    await job.stop();
    await vi.advanceTimersByTimeAsync(10 * HOUR);
    expect(runs).toHaveLength(3);
  });

  it('uses a configured verification window', async () => {
    await store.addVerification({
      id: 'v',
      subjectId: null,
      kind: 'identify',
      decision: 'reject',
      score: null,
      at: T0,
    });
    const job = startRetention({
      store,
      clock: () => T0 + DAY,
      policy: { verificationMs: HOUR },
      runOnStart: false,
    });
    expect((await job.runOnce()).verifications).toBe(1);
    await job.stop();
  });

  it('refuses a policy that keeps consent records less than 6 months', () => {
    expect(() => startRetention({ store, policy: { consentMs: 90 * DAY } })).toThrow(StoreError);
    expect(() => startRetention({ store, intervalMs: 10 })).toThrow(/intervalMs/);
  });

  it('never overlaps runs and reports failures without stopping', async () => {
    const job = startRetention({ store, clock: () => T0, runOnStart: false, intervalMs: HOUR });
    const a = job.runOnce();
    expect(job.runOnce()).toBe(a);
    await a;
    const errors: unknown[] = [];
    const broken = startRetention({
      store: { purge: () => Promise.reject(new Error('database is down')) },
      intervalMs: HOUR,
      onError: (e) => errors.push(e),
    });
    await vi.advanceTimersByTimeAsync(2 * HOUR);
    expect(errors).toHaveLength(3);
    await broken.stop();
    await job.stop();
  });
});
