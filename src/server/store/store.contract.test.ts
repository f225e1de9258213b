// One behavioural contract, run against SQLite (a real file) and a real PostgreSQL server.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DataKeyring } from './at-rest';
import { cosine, near, postgresBackend, sqliteBackend, vec } from './testing/fixtures';
import { VECTOR_LENGTH } from '../../protocol/payload';
import { StoreError, type NewConsent, type NewSession, type Store } from './types';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 1);

async function expectStoreError(
  p: Promise<unknown>,
  code: StoreError['code'],
): Promise<StoreError> {
  const e = await p.then(
    () => {
      throw new Error(`expected StoreError(${code}), but the call succeeded`);
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(StoreError);
  expect((e as StoreError).code).toBe(code);
  return e as StoreError;
}

const consent = (over: Partial<NewConsent> = {}): NewConsent => ({
  consentId: 'c1',
  subjectId: 's1',
  policyVersion: 'sha256:policy-v1',
  purposes: ['verify'],
  sensitive: true,
  guardian: false,
  accepted: true,
  at: T0,
  ...over,
});

const session = (over: Partial<NewSession> = {}): NewSession => ({
  sessionId: 'sess1',
  nonceHash: new Uint8Array(32).fill(7),
  purpose: 'verify',
  subjectId: 's1',
  challenges: ['blink', 'turn-left', 'open-mouth'],
  origin: 'https://example.test',
  expiresAt: T0 + 120_000,
  createdAt: T0,
  ...over,
});

describe.each([sqliteBackend(), postgresBackend()])('Store contract: $name', (backend) => {
  let store: Store;
  const extra: Store[] = [];

  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  beforeEach(async () => {
    store = await backend.fresh();
  });
  afterEach(async () => {
    for (const s of extra.splice(0)) await s.close();
    await store.close();
  });

  const sibling = async (keyring?: DataKeyring): Promise<Store> => {
    const s = await backend.sibling(keyring);
    extra.push(s);
    return s;
  };

  async function enroll(subjectId: string, seed: number, modelId = 'm1'): Promise<Float32Array> {
    if ((await store.getSubject(subjectId)) === null) {
      await store.putSubject({ subjectId, devicePublicKey: null, createdAt: T0 });
    }
    const v = vec(seed);
    await store.addTemplate({
      templateId: `${subjectId}-t${seed}`,
      subjectId,
      modelId,
      vector: v,
      createdAt: T0 + seed,
    });
    return v;
  }

  it('migrate is idempotent, also from a second instance', async () => {
    await store.migrate();
    const other = await sibling();
    await other.migrate();
    expect((await store.snapshot()).counts.subjects).toBe(0);
  });

  describe('subjects', () => {
    it('stores, reads, pages, suspends and rejects duplicates', async () => {
      const key = new Uint8Array([4, 1, 2, 3]);
      await store.putSubject({ subjectId: 'b', devicePublicKey: key, createdAt: T0 });
      await store.putSubject({ subjectId: 'a', devicePublicKey: null, createdAt: T0 + 1 });
      await store.putSubject({ subjectId: 'c', devicePublicKey: null, createdAt: T0 + 2 });
      expect(await store.getSubject('b')).toEqual({
        subjectId: 'b',
        createdAt: T0,
        suspendedUntil: null,
        deviceKeys: 1,
      });
      expect((await store.listDeviceKeys('b')).map((k) => k.publicKey)).toEqual([key]);
      expect((await store.getSubject('a'))?.deviceKeys).toBe(0);
      expect(await store.getSubject('zz')).toBeNull();
      const page1 = await store.listSubjects({ limit: 2 });
      expect(page1.map((s) => s.subjectId)).toEqual(['a', 'b']);
      const page2 = await store.listSubjects({ limit: 2, after: 'b' });
      expect(page2.map((s) => s.subjectId)).toEqual(['c']);

      const before = await store.snapshot();
      await expectStoreError(
        store.putSubject({ subjectId: 'a', devicePublicKey: null, createdAt: T0 }),
        'conflict',
      );
      expect(await store.snapshot()).toEqual(before);

      expect(await store.setSuspended('a', T0 + DAY)).toBe(true);
      expect((await store.getSubject('a'))?.suspendedUntil).toBe(T0 + DAY);
      expect(await store.setSuspended('a', null)).toBe(true);
      expect((await store.getSubject('a'))?.suspendedUntil).toBeNull();
      expect(await store.setSuspended('nobody', T0)).toBe(false);
    });
  });

  describe('templates', () => {
    it('round-trips vectors exactly through at-rest encryption', async () => {
      const v = await enroll('s1', 1);
      const w = await enroll('s1', 2, 'm2');
      const list = await store.listTemplates('s1');
      expect(list.map((t) => [t.templateId, t.modelId])).toEqual([
        ['s1-t1', 'm1'],
        ['s1-t2', 'm2'],
      ]);
      expect(Array.from(list[0]!.vector)).toEqual(Array.from(v));
      expect(Array.from(list[1]!.vector)).toEqual(Array.from(w));
      expect(await store.listTemplates('nobody')).toEqual([]);
    });

    it('rejects bad input with a clear error and writes nothing', async () => {
      await enroll('s1', 1);
      const before = await store.snapshot();
      const base = { templateId: 'x', subjectId: 's1', modelId: 'm1', createdAt: T0 };
      const nan = vec(3);
      nan[10] = Number.NaN;
      const inf = vec(3);
      inf[0] = Number.POSITIVE_INFINITY;
      const cases: [unknown, RegExp][] = [
        [new Float32Array(511), /512 values, got 511/],
        [new Float32Array(513), /512 values, got 513/],
        [nan, /value 10 is not a finite number/],
        [inf, /value 0 is not a finite number/],
        [new Float32Array(VECTOR_LENGTH), /non-zero norm/],
        [Array.from(vec(3)), /Float32Array/],
        [new Float64Array(VECTOR_LENGTH).fill(1), /Float32Array/],
      ];
      for (const [vector, message] of cases) {
        const e = await expectStoreError(
          store.addTemplate({ ...base, vector: vector as Float32Array }),
          'invalid_input',
        );
        expect(e.message).toMatch(message);
      }
      await expectStoreError(
        store.addTemplate({ ...base, templateId: '', vector: vec(3) }),
        'invalid_input',
      );
      await expectStoreError(
        store.addTemplate({ ...base, modelId: 'a'.repeat(300), vector: vec(3) }),
        'invalid_input',
      );
      await expectStoreError(
        store.addTemplate({ ...base, createdAt: -1, vector: vec(3) }),
        'invalid_input',
      );
      await expectStoreError(
        store.addTemplate({ ...base, createdAt: 1.5, vector: vec(3) }),
        'invalid_input',
      );
      const e = await expectStoreError(
        store.addTemplate({ ...base, subjectId: 'ghost', vector: vec(3) }),
        'unknown_subject',
      );
      expect(e.message).not.toContain('ghost'); // errors never echo identifiers or data
      await expectStoreError(
        store.addTemplate({ ...base, templateId: 's1-t1', vector: vec(3) }),
        'conflict',
      );
      expect(await store.snapshot()).toEqual(before);
      // The index did not pick anything up either.
      const hits = await store.identify(vec(3), 'm1', 5);
      expect(hits.map((h) => h.templateId)).toEqual(['s1-t1']);
    });

    it('enrols subject and template atomically', async () => {
      const subject = { subjectId: 'e1', devicePublicKey: new Uint8Array([9]), createdAt: T0 };
      const t = {
        templateId: 'e1-a',
        subjectId: 'e1',
        modelId: 'm1',
        vector: vec(11),
        createdAt: T0,
      };
      expect(await store.enroll(subject, t)).toEqual({
        subjectCreated: true,
        keyBound: true,
        templatesReplaced: 0,
      });
      expect(await store.enroll(subject, { ...t, templateId: 'e1-b', vector: vec(12) })).toEqual({
        subjectCreated: false,
        keyBound: false,
        templatesReplaced: 0,
      });
      expect((await store.listTemplates('e1')).map((x) => x.templateId)).toEqual(['e1-a', 'e1-b']);
      expect((await store.identify(vec(12), 'm1', 1))[0]?.templateId).toBe('e1-b');

      // Re-enrolment replaces both old templates atomically; the index follows.
      const c = { ...t, templateId: 'e1-c', modelId: 'm2', vector: vec(13) };
      expect(await store.enroll(subject, c, { replace: true })).toEqual({
        subjectCreated: false,
        keyBound: false,
        templatesReplaced: 2,
      });
      expect((await store.listTemplates('e1')).map((x) => x.templateId)).toEqual(['e1-c']);
      expect(await store.identify(vec(12), 'm1', 3)).toEqual([]);
      expect((await store.identify(vec(13), 'm2', 3)).map((h) => h.templateId)).toEqual(['e1-c']);

      await store.enroll(
        { ...subject, subjectId: 'e3' },
        { ...t, templateId: 'e3-a', subjectId: 'e3', vector: vec(14) },
      );
      const before = await store.snapshot();
      const fresh = { ...subject, subjectId: 'e2' };
      const bad = new Float32Array(VECTOR_LENGTH).fill(Number.NaN);
      await expectStoreError(
        store.enroll(fresh, { ...t, templateId: 'e2-a', subjectId: 'e2', vector: bad }),
        'invalid_input',
      );
      // A duplicate template id rolls back the new subject too.
      await expectStoreError(
        store.enroll(fresh, { ...t, templateId: 'e3-a', subjectId: 'e2' }),
        'conflict',
      );
      // A failed re-enrolment keeps the old template.
      await expectStoreError(
        store.enroll(subject, { ...c, vector: bad }, { replace: true }),
        'invalid_input',
      );
      await expectStoreError(
        store.enroll(subject, { ...c, templateId: 'e3-a' }, { replace: true }),
        'conflict',
      );
      await expectStoreError(store.enroll(fresh, { ...t, templateId: 'e2-a' }), 'invalid_input');
      expect(await store.snapshot()).toEqual(before);
      expect(await store.getSubject('e2')).toBeNull();
      expect((await store.listTemplates('e1')).map((x) => x.templateId)).toEqual(['e1-c']);
      expect((await store.identify(vec(13), 'm2', 3)).map((h) => h.templateId)).toEqual(['e1-c']);
    });

    it('imports many enrolments in one all-or-nothing transaction', async () => {
      const entry = (i: number, subjectId = `b${i}`) => ({
        subject: { subjectId, devicePublicKey: null, createdAt: T0 },
        template: {
          templateId: `bt${i}`,
          subjectId,
          modelId: 'm1',
          vector: vec(100 + i),
          createdAt: T0 + i,
        },
      });
      expect(await store.identify(vec(1), 'm1', 1)).toEqual([]); // index built before the import
      expect(await store.enrollMany([entry(1), entry(2), entry(3, 'b1')])).toEqual({
        subjectsCreated: 2,
        templatesAdded: 3,
      });
      expect((await store.listTemplates('b1')).map((t) => t.templateId)).toEqual(['bt1', 'bt3']);
      expect((await store.identify(vec(102), 'm1', 1))[0]?.templateId).toBe('bt2');
      const before = await store.snapshot();
      await expectStoreError(store.enrollMany([entry(4), entry(2)]), 'conflict');
      const bad = entry(5);
      bad.template.vector = new Float32Array(10);
      await expectStoreError(store.enrollMany([entry(6), bad]), 'invalid_input');
      await expectStoreError(store.enrollMany([]), 'invalid_input');
      expect(await store.snapshot()).toEqual(before);
      expect((await store.identify(vec(104), 'm1', 3)).map((h) => h.templateId)).not.toContain(
        'bt4',
      );
    });

    it('rejects bad identify arguments', async () => {
      await expectStoreError(store.identify(new Float32Array(3), 'm1', 1), 'invalid_input');
      await expectStoreError(store.identify(vec(1), 'm1', 0), 'invalid_input');
      await expectStoreError(store.identify(vec(1), 'm1', 101), 'invalid_input');
      await expectStoreError(store.identify(vec(1), '', 1), 'invalid_input');
    });
  });

  describe('device keys and grants', () => {
    const k1 = new Uint8Array(65).fill(1);
    const k2 = new Uint8Array(65).fill(2);
    const tpl = (id: string, subjectId: string, seed: number) => ({
      templateId: id,
      subjectId,
      modelId: 'm1',
      vector: vec(seed),
      createdAt: T0,
    });

    it('the first enrolment binds its key, also for a pre-created subject; others are refused', async () => {
      await store.putSubject({ subjectId: 'pre', devicePublicKey: null, createdAt: T0 });
      const r = await store.enroll(
        { subjectId: 'pre', devicePublicKey: k1, createdAt: T0 + 1 },
        tpl('p1', 'pre', 1),
      );
      expect(r.keyBound).toBe(true);
      expect((await store.listDeviceKeys('pre')).map((k) => k.publicKey)).toEqual([k1]);
      const before = await store.snapshot();
      await expectStoreError(
        store.enroll(
          { subjectId: 'pre', devicePublicKey: k2, createdAt: T0 + 2 },
          tpl('p2', 'pre', 2),
          { replace: true },
        ),
        'device_mismatch',
      );
      expect(await store.snapshot()).toEqual(before); // nothing written
      // The owner's own key re-enrols.
      const again = await store.enroll(
        { subjectId: 'pre', devicePublicKey: k1, createdAt: T0 + 3 },
        [tpl('p3', 'pre', 3), tpl('p4', 'pre', 4)],
        { replace: true },
      );
      expect(again).toEqual({ subjectCreated: false, keyBound: false, templatesReplaced: 1 });
      expect((await store.listTemplates('pre')).map((t) => t.templateId)).toEqual(['p3', 'p4']);
    });

    it('adds, lists, removes keys; deletion and export include them', async () => {
      await store.enroll(
        { subjectId: 'dk', devicePublicKey: k1, createdAt: T0 },
        tpl('d1', 'dk', 5),
      );
      const added = await store.addDeviceKey('dk', k2, T0 + 5);
      expect(added.publicKey).toEqual(k2);
      expect(await store.addDeviceKey('dk', k2, T0 + 9)).toEqual(added); // idempotent
      expect((await store.listDeviceKeys('dk')).map((k) => k.addedAt)).toEqual([T0, T0 + 5]);
      expect((await store.getSubject('dk'))?.deviceKeys).toBe(2);
      expect((await store.exportSubject('dk')).subject?.deviceKeys).toHaveLength(2);
      expect(await store.removeDeviceKey('dk', added.keyId)).toBe(true);
      expect(await store.removeDeviceKey('dk', added.keyId)).toBe(false);
      await expectStoreError(store.addDeviceKey('nobody', k1, T0), 'unknown_subject');
      await store.deleteSubject('dk');
      expect(await store.listDeviceKeys('dk')).toEqual([]);
    });

    it('a grant id is used once, across instances', async () => {
      const other = await sibling();
      expect(await store.useGrant('grant-id-aaaaaaaaaaaa', T0 + 1000)).toBe(true);
      expect(await other.useGrant('grant-id-aaaaaaaaaaaa', T0 + 1000)).toBe(false);
      expect(await store.useGrant('grant-id-bbbbbbbbbbbb', T0 + 1000)).toBe(true);
      await store.purge(T0 + 2000);
      expect((await store.snapshot()).counts.grants_used).toBe(0);
    });

    it('counts failures per device key', async () => {
      const rec = (id: string, deviceId: string | undefined) =>
        store.addVerification({
          id,
          subjectId: 's9',
          kind: 'verify',
          decision: 'reject',
          score: null,
          at: T0,
          ...(deviceId ? { deviceId } : {}),
        });
      await rec('f1', 'dev-a');
      await rec('f2', 'dev-a');
      await rec('f3', 'dev-b');
      await rec('f4', undefined);
      expect(await store.countFailures('s9', T0)).toBe(4);
      expect(await store.countFailures('s9', T0, 'dev-a')).toBe(2);
      expect(await store.countFailures('s9', T0, 'dev-c')).toBe(0);
    });
  });

  describe('identify (1:N)', () => {
    it('returns the top-k by cosine, per model id', async () => {
      const vs = new Map<string, Float32Array>();
      for (let i = 1; i <= 30; i++) vs.set(`s${i}-t${i}`, await enroll(`s${i}`, i));
      await enroll('other', 99, 'm2');
      const probe = near(vs.get('s7-t7')!, 1234);
      const hits = await store.identify(probe, 'm1', 5);
      const expected = [...vs]
        .map(([id, v]) => ({ id, score: cosine(probe, v) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, 5);
      expect(hits.map((h) => h.templateId)).toEqual(expected.map((e) => e.id));
      expect(hits[0]).toMatchObject({ subjectId: 's7', templateId: 's7-t7' });
      hits.forEach((h, i) => expect(h.score).toBeCloseTo(expected[i]!.score, 5));
      expect((await store.identify(vec(99), 'm2', 5)).map((h) => h.subjectId)).toEqual(['other']);
      expect(await store.identify(vec(1), 'unknown-model', 5)).toEqual([]);
    });

    it('stays coherent when another instance writes and deletes', async () => {
      await enroll('s1', 1);
      const other = await sibling();
      expect((await store.identify(vec(1), 'm1', 3)).map((h) => h.subjectId)).toEqual(['s1']);
      expect((await other.identify(vec(1), 'm1', 3)).map((h) => h.subjectId)).toEqual(['s1']);
      await other.putSubject({ subjectId: 's2', devicePublicKey: null, createdAt: T0 });
      await other.addTemplate({
        templateId: 't2',
        subjectId: 's2',
        modelId: 'm1',
        vector: vec(2),
        createdAt: T0,
      });
      expect((await store.identify(vec(2), 'm1', 1))[0]?.subjectId).toBe('s2');
      await other.deleteSubject('s2');
      expect((await store.identify(vec(2), 'm1', 3)).map((h) => h.subjectId)).toEqual(['s1']);
      await store.deleteTemplates('s1');
      expect(await other.identify(vec(1), 'm1', 3)).toEqual([]);
    });
    it('replays interleaved writes of two instances to the same result as a fresh load', async () => {
      const other = await sibling();
      const both = [store, other];
      let rnd = 12345;
      const next = (n: number): number => {
        rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0;
        return rnd % n;
      };
      const probes = [vec(1), vec(2), vec(3)];
      const results = async (s: Store) =>
        Promise.all(
          ['m1', 'm2'].flatMap((m) =>
            probes.map(async (p) => (await s.identify(p, m, 4)).map((h) => h.templateId)),
          ),
        );
      for (let step = 0; step < 60; step++) {
        const s = both[next(2)]!;
        const subjectId = `r${next(8)}`;
        const what = next(4);
        const modelId = next(3) === 0 ? 'm2' : 'm1';
        const template = {
          templateId: `x${step}`,
          subjectId,
          modelId,
          vector: vec(1 + next(50)),
          createdAt: T0,
        };
        const subject = { subjectId, devicePublicKey: null, createdAt: T0 };
        if (what === 0) await s.enroll(subject, template);
        else if (what === 1) await s.enroll(subject, template, { replace: true });
        else if (what === 2) await s.deleteTemplates(subjectId);
        else await s.deleteSubject(subjectId);
        if (step % 6 === 5) {
          const fresh = await sibling();
          const expected = await results(fresh);
          expect(await results(store)).toEqual(expected);
          expect(await results(other)).toEqual(expected);
        }
      }
      // The long-lived instances caught up by replaying the change log, not by reloading.
      for (const s of both) {
        const stats = (
          s as unknown as { indexStats(): { loads: number; replays: number } }
        ).indexStats();
        expect(stats.replays).toBeGreaterThan(5);
        expect(stats.loads).toBeLessThanOrEqual(2); // the first search of each model id
      }
    });
  });

  describe('sessions', () => {
    it('is single use and reports why a consume failed', async () => {
      await store.createSession(session());
      const hash = new Uint8Array(32).fill(7);
      await expectStoreError(store.createSession(session()), 'conflict');
      expect(await store.consumeSession('nope', hash, T0)).toEqual({ status: 'unknown' });
      expect(await store.consumeSession('sess1', new Uint8Array(32).fill(8), T0)).toEqual({
        status: 'mismatch',
      });
      const ok = await store.consumeSession('sess1', hash, T0 + 1000);
      expect(ok.status).toBe('ok');
      if (ok.status === 'ok') {
        expect(ok.session).toMatchObject({
          purpose: 'verify',
          subjectId: 's1',
          challenges: ['blink', 'turn-left', 'open-mouth'],
          origin: 'https://example.test',
          usedAt: T0 + 1000,
        });
      }
      expect(await store.consumeSession('sess1', hash, T0 + 2000)).toEqual({ status: 'used' });
      expect((await store.getSession('sess1'))?.usedAt).toBe(T0 + 1000);
    });

    it('expires, and a mismatch does not burn the session', async () => {
      const hash = new Uint8Array(32).fill(7);
      await store.createSession(session({ sessionId: 'a', subjectId: null }));
      expect((await store.consumeSession('a', new Uint8Array(32), T0)).status).toBe('mismatch');
      expect((await store.consumeSession('a', hash, T0 + 120_000)).status).toBe('expired');
      await store.createSession(session({ sessionId: 'b' }));
      expect((await store.consumeSession('b', hash, T0 + 119_999)).status).toBe('ok');
    });

    it('lets exactly one of many concurrent consumers across instances win', async () => {
      const other = await sibling();
      const hash = new Uint8Array(32).fill(7);
      for (let round = 0; round < 5; round++) {
        const id = `race${round}`;
        await store.createSession(session({ sessionId: id }));
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            (i % 2 === 0 ? store : other).consumeSession(id, hash, T0 + 10),
          ),
        );
        expect(results.filter((r) => r.status === 'ok')).toHaveLength(1);
        expect(results.filter((r) => r.status === 'used')).toHaveLength(11);
      }
    });
  });

  describe('consent and withdrawal', () => {
    it('keeps records, and withdrawal deletes templates in the same step', async () => {
      await store.addConsent(consent({ subjectId: 's1', at: T0 }));
      await store.addConsent(
        consent({
          consentId: 'c2',
          subjectId: 's1',
          policyVersion: 'sha256:v2',
          guardian: true,
          at: T0 + 5,
        }),
      );
      await expectStoreError(store.addConsent(consent()), 'conflict');
      await enroll('s1', 1);
      await enroll('s1', 2, 'm2');
      await enroll('s2', 3);
      const list = await store.listConsents('s1');
      expect(list.map((c) => [c.consentId, c.policyVersion, c.guardian, c.withdrawnAt])).toEqual([
        ['c1', 'sha256:policy-v1', false, null],
        ['c2', 'sha256:v2', true, null],
      ]);
      expect(list[0]).toMatchObject({ purposes: ['verify'], sensitive: true, accepted: true });

      expect(await store.withdrawConsent('s1', T0 + 100)).toEqual({
        consentsWithdrawn: 2,
        templatesDeleted: 2,
      });
      expect(await store.listTemplates('s1')).toEqual([]);
      expect((await store.listConsents('s1')).map((c) => c.withdrawnAt)).toEqual([
        T0 + 100,
        T0 + 100,
      ]);
      expect((await store.identify(vec(1), 'm1', 5)).map((h) => h.subjectId)).toEqual(['s2']);
      expect(await store.identify(vec(2), 'm2', 5)).toEqual([]);
      // Withdrawing again changes nothing and reports it.
      expect(await store.withdrawConsent('s1', T0 + 200)).toEqual({
        consentsWithdrawn: 0,
        templatesDeleted: 0,
      });
    });

    it('rejects malformed consent records', async () => {
      const before = await store.snapshot();
      const bad: Partial<Record<keyof NewConsent, unknown>>[] = [
        { purposes: 'verify' },
        { purposes: [1] },
        { sensitive: 'yes' },
        { accepted: 1 },
        { at: Number.NaN },
        { policyVersion: '' },
        { subjectId: 'a\u0000b' },
      ];
      for (const over of bad) {
        await expectStoreError(
          store.addConsent(consent(over as Partial<NewConsent>)),
          'invalid_input',
        );
      }
      expect(await store.snapshot()).toEqual(before);
    });
  });

  describe('deletion and export', () => {
    it('deletes a subject irreversibly but keeps consent records', async () => {
      await store.addConsent(consent());
      const v = await enroll('s1', 1);
      await enroll('s2', 2);
      await store.createSession(session());
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
        subjectId: 's2',
        kind: 'verify',
        decision: 'accept',
        score: 0.9,
        at: T0,
      });

      const exp = await store.exportSubject('s1');
      expect(exp.subject).toMatchObject({ subjectId: 's1', deviceKeys: [] });
      expect(exp.templates).toHaveLength(1);
      const decoded = new Float32Array(
        new Uint8Array(Buffer.from(exp.templates[0]!.vector, 'base64')).buffer,
      );
      expect(Array.from(decoded)).toEqual(Array.from(v));
      expect(exp.templates[0]!.modelId).toBe('m1');
      expect(exp.consents.map((c) => c.consentId)).toEqual(['c1']);
      expect(exp.verifications.map((r) => r.id)).toEqual(['v1']);

      expect(await store.deleteSubject('s1')).toEqual({
        deleted: true,
        templatesDeleted: 1,
        verificationsDeleted: 1,
      });
      expect(await store.getSubject('s1')).toBeNull();
      expect(await store.listTemplates('s1')).toEqual([]);
      expect(await store.getSession('sess1')).toBeNull();
      expect((await store.identify(v, 'm1', 5)).map((h) => h.subjectId)).toEqual(['s2']);
      const after = await store.exportSubject('s1');
      expect(after).toMatchObject({ subject: null, templates: [], verifications: [] });
      expect(after.consents.map((c) => c.consentId)).toEqual(['c1']);
      expect(await store.deleteSubject('s1')).toEqual({
        deleted: false,
        templatesDeleted: 0,
        verificationsDeleted: 0,
      });
      expect((await store.listTemplates('s2')).length).toBe(1);
      await store.vacuum();
      expect((await store.identify(vec(2), 'm1', 1))[0]?.subjectId).toBe('s2');
      expect((await store.listConsents('s1')).length).toBe(1);
    });
  });

  describe('verification records and call log', () => {
    it('counts rejected verify attempts in a window', async () => {
      const rec = (
        id: string,
        at: number,
        decision: 'accept' | 'reject',
        kind: 'verify' | 'identify' = 'verify',
      ) => store.addVerification({ id, subjectId: 's1', kind, decision, score: 0.1, at });
      await rec('a', T0, 'reject');
      await rec('b', T0 + 10, 'reject');
      await rec('c', T0 + 20, 'accept');
      await rec('d', T0 + 30, 'reject', 'identify');
      await rec('e', T0 + 40, 'reject');
      expect(await store.countFailures('s1', T0)).toBe(3);
      expect(await store.countFailures('s1', T0 + 11)).toBe(1);
      expect(await store.countFailures('s2', T0)).toBe(0);
      await expectStoreError(
        store.addVerification({
          id: 'x',
          subjectId: null,
          kind: 'guess' as 'verify',
          decision: 'accept',
          score: null,
          at: T0,
        }),
        'invalid_input',
      );
      await expectStoreError(
        store.addVerification({
          id: 'x',
          subjectId: null,
          kind: 'verify',
          decision: 'accept',
          score: Number.NaN,
          at: T0,
        }),
        'invalid_input',
      );
    });

    it('lists calls newest first from a time', async () => {
      for (let i = 0; i < 5; i++) {
        await store.addCall({
          at: T0 + i,
          route: '/v1/verify',
          status: 200,
          code: null,
          ms: 1.5,
          clientHash: 'h',
        });
      }
      await store.addCall({
        at: T0 + 9,
        route: '/v1/verify',
        status: 429,
        code: 'rate_limited',
        ms: 0.2,
        clientHash: 'h',
      });
      const calls = await store.listCalls({ since: T0 + 2, limit: 3 });
      expect(calls.map((c) => c.at)).toEqual([T0 + 9, T0 + 4, T0 + 3]);
      expect(calls[0]).toEqual({
        at: T0 + 9,
        route: '/v1/verify',
        status: 429,
        code: 'rate_limited',
        ms: 0.2,
        clientHash: 'h',
      });
      await expectStoreError(
        store.addCall({ at: T0, route: '/', status: 42, code: null, ms: 1, clientHash: 'h' }),
        'invalid_input',
      );
    });

    it('writes a batch of calls all or nothing', async () => {
      const call = (at: number, status = 200) => ({
        at,
        route: 'POST /v1/verify',
        status,
        code: null,
        ms: 1,
        clientHash: 'h',
      });
      await store.addCalls([call(T0 + 1), call(T0 + 2), call(T0 + 3)]);
      await expectStoreError(store.addCalls([call(T0 + 4), call(T0 + 5, 42)]), 'invalid_input');
      await store.addCalls([]);
      const calls = await store.listCalls({ since: T0, limit: 10 });
      expect(calls.map((c) => c.at)).toEqual([T0 + 3, T0 + 2, T0 + 1]);
    });
  });

  describe('retention (purge with an explicit clock)', () => {
    it('applies the defaults: 3 days of verification data, >= 183 days of consent records', async () => {
      await store.putSubject({ subjectId: 'live', devicePublicKey: null, createdAt: T0 });
      await store.addConsent(consent({ consentId: 'live-old', subjectId: 'live', at: T0 }));
      await store.addConsent(consent({ consentId: 'live-current', subjectId: 'live', at: T0 + 1 }));
      await store.addConsent(consent({ consentId: 'gone', subjectId: 'deleted', at: T0 }));
      await store.addConsent(consent({ consentId: 'withdrawn', subjectId: 'w', at: T0 }));
      await store.withdrawConsent('w', T0 + 100 * DAY);
      await store.addVerification({
        id: 'old',
        subjectId: 'live',
        kind: 'verify',
        decision: 'accept',
        score: 1,
        at: T0,
      });
      await store.addVerification({
        id: 'new',
        subjectId: 'live',
        kind: 'verify',
        decision: 'accept',
        score: 1,
        at: T0 + 2 * DAY,
      });
      await store.addCall({
        at: T0,
        route: '/v1/verify',
        status: 200,
        code: null,
        ms: 1,
        clientHash: 'h',
      });
      await store.createSession(session({ sessionId: 'expired', expiresAt: T0 + 1000 }));
      await store.createSession(session({ sessionId: 'open', expiresAt: T0 + 5 * DAY }));

      // Day 3 + 1 ms: only the first verification record is past 3 days.
      expect(await store.purge(T0 + 3 * DAY + 1)).toEqual({
        verifications: 1,
        consents: 0,
        calls: 0,
        sessions: 1,
      });
      expect((await store.exportSubject('live')).verifications.map((v) => v.id)).toEqual(['new']);
      expect(await store.getSession('open')).not.toBeNull();

      // Day 183 + 1 ms: consents older than 6 months go, except the live subject's current one;
      // the withdrawn one counts from its withdrawal (day 100) and stays.
      const counts = await store.purge(T0 + 183 * DAY + 2);
      expect(counts).toEqual({ verifications: 1, consents: 2, calls: 1, sessions: 1 });
      expect((await store.listConsents('live')).map((c) => c.consentId)).toEqual(['live-current']);
      expect(await store.listConsents('deleted')).toEqual([]);
      expect((await store.listConsents('w')).map((c) => c.consentId)).toEqual(['withdrawn']);

      await store.purge(T0 + 283 * DAY + 1);
      expect(await store.listConsents('w')).toEqual([]);
      expect((await store.listConsents('live')).map((c) => c.consentId)).toEqual(['live-current']);
    });

    it('honours a configured window but never keeps consent less than 6 months', async () => {
      await store.addVerification({
        id: 'v',
        subjectId: null,
        kind: 'identify',
        decision: 'reject',
        score: null,
        at: T0,
      });
      expect((await store.purge(T0 + DAY, { verificationMs: DAY - 1 })).verifications).toBe(1);
      const before = await store.snapshot();
      const e = await expectStoreError(store.purge(T0, { consentMs: 30 * DAY }), 'invalid_input');
      expect(e.message).toMatch(/183 days/);
      await expectStoreError(store.purge(T0, { verificationMs: -5 }), 'invalid_input');
      await expectStoreError(store.purge(Number.NaN), 'invalid_input');
      expect(await store.snapshot()).toEqual(before);
    });
  });

  describe('key rotation', () => {
    it('decrypts rows under old key ids and writes new rows under the current one', async () => {
      const k1 = DataKeyring.generate('k1');
      await store.close();
      store = await backend.fresh(k1);
      const v1 = await enroll('s1', 1);
      const k1Raw = JSON.parse(k1.toFileJson()) as { keys: Record<string, string> };
      const k2Raw = JSON.parse(DataKeyring.generate('k2').toFileJson()) as {
        keys: Record<string, string>;
      };
      const rotated = DataKeyring.fromEnv(`k2:${k2Raw.keys.k2},k1:${k1Raw.keys.k1}`);
      const next = await sibling(rotated);
      await next.addTemplate({
        templateId: 'new',
        subjectId: 's1',
        modelId: 'm1',
        vector: vec(5),
        createdAt: T0 + 99,
      });
      const list = await next.listTemplates('s1');
      expect(Array.from(list[0]!.vector)).toEqual(Array.from(v1));
      expect(list.map((t) => t.templateId)).toEqual(['s1-t1', 'new']);
      // An instance that only holds k1 cannot read the k2 row and says why.
      await expectStoreError(store.listTemplates('s1'), 'key_unavailable');
    });
  });
});
