// SQLite-specific guarantees checked on the raw file: encryption at rest, irrecoverable
// deletion (secure_delete + WAL checkpoint + VACUUM), tamper detection, crash consistency.

import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataKeyring } from './at-rest';
import { SqliteStore } from './sqlite';
import { vec } from './testing/fixtures';
import { StoreError } from './types';

const T0 = Date.UTC(2026, 0, 1);
let dir = '';
let path = '';

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fv-sqlite-'));
  path = join(dir, 'face-verify.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Everything SQLite keeps on disk for this database. */
function rawFiles(): Buffer {
  return Buffer.concat(
    [path, `${path}-wal`, `${path}-journal`].filter(existsSync).map((p) => readFileSync(p)),
  );
}

/** True if any 32-byte window of `needle` (at a few offsets) occurs in `hay`. */
function containsAnyPart(hay: Buffer, needle: Uint8Array): boolean {
  const b = Buffer.from(needle.buffer, needle.byteOffset, needle.byteLength);
  for (let off = 0; off + 32 <= b.length; off += 256) {
    if (hay.includes(b.subarray(off, off + 32))) return true;
  }
  return false;
}

function rawRow(templateId: string): { ct: Buffer; iv: Buffer } {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT ct, iv FROM templates WHERE template_id = ?').get(templateId) as {
      ct: Buffer;
      iv: Buffer;
    };
  } finally {
    db.close();
  }
}

async function openStore(keyring: DataKeyring): Promise<SqliteStore> {
  const s = new SqliteStore({ path, keyring });
  await s.migrate();
  return s;
}

const subject = (subjectId: string) => ({ subjectId, devicePublicKey: null, createdAt: T0 });
const template = (subjectId: string, seed: number) => ({
  templateId: `${subjectId}-t`,
  subjectId,
  modelId: 'm1',
  vector: vec(seed),
  createdAt: T0,
});

describe('SQLite file on disk', () => {
  it('never holds plaintext vectors, and deleted templates leave no ciphertext behind', async () => {
    const keyring = DataKeyring.generate();
    const store = await openStore(keyring);
    for (let i = 0; i < 20; i++) await store.enroll(subject(`s${i}`), template(`s${i}`, i));
    const victim = template('s7', 7);
    const { ct } = rawRow('s7-t');
    await store.vacuum(); // everything in the main file, WAL truncated
    let raw = rawFiles();
    expect(containsAnyPart(raw, ct)).toBe(true); // the probe works
    expect(containsAnyPart(raw, new Uint8Array(victim.vector.buffer))).toBe(false);

    await store.deleteSubject('s7');
    // secure_delete + the TRUNCATE checkpoint already scrub it, before any VACUUM.
    raw = rawFiles();
    expect(containsAnyPart(raw, ct)).toBe(false);
    await store.vacuum();
    await store.close();
    raw = rawFiles();
    expect(containsAnyPart(raw, ct)).toBe(false);
    expect(containsAnyPart(raw, new Uint8Array(victim.vector.buffer))).toBe(false);
    // Other subjects are intact.
    const again = await openStore(keyring);
    expect((await again.listTemplates('s8')).length).toBe(1);
    await again.close();
  });

  it('withdrawal also scrubs the ciphertext from the file', async () => {
    const store = await openStore(DataKeyring.generate());
    await store.enroll(subject('s1'), template('s1', 1));
    await store.enroll(subject('s2'), template('s2', 2));
    const { ct } = rawRow('s1-t');
    await store.withdrawConsent('s1', T0 + 1);
    await store.vacuum();
    await store.close();
    expect(containsAnyPart(rawFiles(), ct)).toBe(false);
  });

  it('detects a ciphertext moved to another row or altered', async () => {
    const keyring = DataKeyring.generate();
    const store = await openStore(keyring);
    await store.enroll(subject('a'), template('a', 1));
    await store.enroll(subject('b'), template('b', 2));
    await store.close();
    const db = new Database(path);
    db.prepare(
      `UPDATE templates SET ct = (SELECT ct FROM templates WHERE template_id = 'a-t'),
         iv = (SELECT iv FROM templates WHERE template_id = 'a-t') WHERE template_id = 'b-t'`,
    ).run();
    db.close();
    const reopened = await openStore(keyring);
    expect((await reopened.listTemplates('a')).length).toBe(1);
    await expect(reopened.listTemplates('b')).rejects.toMatchObject({ code: 'corrupt' });
    await expect(reopened.identify(vec(2), 'm1', 1)).rejects.toBeInstanceOf(StoreError);
    await reopened.close();
  });

  it('falls back to a full index load when the change log was pruned', async () => {
    const keyring = DataKeyring.generate();
    const a = await openStore(keyring);
    const b = await openStore(keyring);
    await a.enroll(subject('s1'), template('s1', 1));
    expect((await b.identify(vec(1), 'm1', 1))[0]?.subjectId).toBe('s1');
    await a.enroll(subject('s2'), template('s2', 2));
    await a.deleteSubject('s1');
    const raw = new Database(path);
    raw.prepare('DELETE FROM template_changes').run(); // as if pruned long ago
    raw.close();
    const hits = await b.identify(vec(2), 'm1', 5);
    expect(hits.map((h) => h.subjectId)).toEqual(['s2']);
    expect(b.indexStats()).toEqual({ loads: 2, replays: 0 });
    await a.close();
    await b.close();
  });

  it("sees other processes' template writes despite its per-subject template cache", async () => {
    const keyring = DataKeyring.generate();
    const a = await openStore(keyring);
    const b = await openStore(keyring);
    await a.enroll(subject('s1'), template('s1', 1));
    const first = await b.listTemplates('s1');
    expect(first.map((t) => t.templateId)).toEqual(['s1-t']);
    first[0]!.vector.fill(0); // callers get copies
    expect((await b.listTemplates('s1'))[0]!.vector).toEqual(vec(1));
    // Re-enrolment elsewhere (replace), then deletion: each is seen at once.
    await a.enroll(subject('s1'), { ...template('s1', 2), templateId: 's1-t2' }, { replace: true });
    const second = await b.listTemplates('s1');
    expect(second.map((t) => t.templateId)).toEqual(['s1-t2']);
    expect(second[0]!.vector).toEqual(vec(2));
    await a.deleteTemplates('s1');
    expect(await b.listTemplates('s1')).toEqual([]);
    await a.close();
    await b.close();
  });

  it('warmIdentify loads the index once; identify then searches without reloading', async () => {
    const keyring = DataKeyring.generate();
    const a = await openStore(keyring);
    await a.enroll(subject('s1'), template('s1', 1));
    await a.close();
    const b = await openStore(keyring);
    await b.warmIdentify('m1');
    expect(b.indexStats().loads).toBe(1);
    expect((await b.identify(vec(1), 'm1', 1))[0]?.subjectId).toBe('s1');
    await b.warmIdentify('m1');
    expect(b.indexStats()).toEqual({ loads: 1, replays: 0 });
    await b.close();
  });

  it('backgroundCheckpoint: a worker thread moves the WAL into the file; close waits for it', async () => {
    const store = new SqliteStore({
      path,
      keyring: DataKeyring.generate(),
      backgroundCheckpoint: true,
    });
    await store.migrate();
    const call = { route: 'r', status: 200, code: null, ms: 1, clientHash: 'h' };
    for (let i = 0; i < 500; i++) await store.addCalls([{ ...call, at: T0 + i }]);
    const walPages = () => statSync(`${path}-wal`).size / 4096;
    expect(walPages()).toBeGreaterThan(500);
    // The WAL restarts from the beginning (and is truncated) once the worker has checkpointed.
    const deadline = Date.now() + 20_000;
    while (walPages() > 50 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      await store.addCalls([{ ...call, at: T0 }]);
    }
    expect(walPages()).toBeLessThanOrEqual(50);
    await store.close();
    expect(
      (await store.listCalls({ since: T0, limit: 1 }).catch((e: unknown) => e)) instanceof Error,
    ).toBe(true);
  });

  it('stays consistent after kill -9 during enrolment', async () => {
    const keyring = DataKeyring.generate('k1');
    const env = {
      ...process.env,
      FV_DATA_KEY: `k1:${(JSON.parse(keyring.toFileJson()) as { keys: { k1: string } }).keys.k1}`,
    };
    const script = fileURLToPath(new URL('./testing/enroll-loop.ts', import.meta.url));
    const acknowledged = new Set<number>();
    let next = 0;
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, ['--import', 'tsx', script, path, String(next)], {
        env,
        cwd: fileURLToPath(new URL('../../..', import.meta.url)),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
      const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
        child.once('exit', (code, signal) => resolve(signal ?? code)),
      );
      let buffered = '';
      // Kill after a few enrolments of this round, at a slightly different moment each round
      // (the loop writes continuously, so the kill lands inside some transaction).
      const target = 15 + round * 7;
      let seen = 0;
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (b: Buffer) => {
          buffered += b.toString();
          const lines = buffered.split('\n');
          buffered = lines.pop()!;
          for (const line of lines) {
            const n = Number(line.slice(3));
            acknowledged.add(n);
            next = Math.max(next, n + 1);
            seen++;
          }
          if (seen >= target) {
            setTimeout(() => child.kill('SIGKILL'), round * 3);
            resolve();
          }
        });
        void exited.then((how) => reject(new Error(`enrol loop exited early (${how}): ${stderr}`)));
      }).catch((e: unknown) => {
        child.kill('SIGKILL');
        throw e;
      });
      expect(await exited).toBe('SIGKILL');
      next += 1; // the killed process may have been mid-way through `next`
    }

    // Integrity on the raw file, through a plain connection.
    const db = new Database(path);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
    const orphanTemplates = db
      .prepare(
        'SELECT count(*) AS n FROM templates t LEFT JOIN subjects s USING (subject_id) WHERE s.subject_id IS NULL',
      )
      .get() as { n: number };
    expect(orphanTemplates.n).toBe(0);
    // enroll() is atomic: no subject exists without its first template.
    const bare = db
      .prepare(
        "SELECT count(*) AS n FROM subjects s WHERE NOT EXISTS (SELECT 1 FROM templates t WHERE t.subject_id = s.subject_id AND t.model_id = 'm1')",
      )
      .get() as { n: number };
    expect(bare.n).toBe(0);
    // Generation counters cover every template write (cache coherence survives the crash).
    const gens = db.prepare('SELECT model_id, gen FROM template_generations').all() as {
      model_id: string;
      gen: number;
    }[];
    const perModel = db
      .prepare('SELECT model_id, count(*) AS n FROM templates GROUP BY model_id')
      .all() as { model_id: string; n: number }[];
    for (const { model_id, n } of perModel) {
      expect(gens.find((g) => g.model_id === model_id)!.gen).toBeGreaterThanOrEqual(n);
    }
    db.close();

    const store = await openStore(keyring);
    expect(store.integrity()).toEqual({ integrity: 'ok', foreignKeyViolations: 0 });
    let count = 0;
    for (let after: string | undefined; ;) {
      const page = await store.listSubjects(
        after === undefined ? { limit: 100 } : { limit: 100, after },
      );
      if (page.length === 0) break;
      for (const s of page) {
        // Every template decrypts and authenticates.
        const ts = await store.listTemplates(s.subjectId);
        expect(ts.length).toBeGreaterThanOrEqual(1);
        const n = Number(s.subjectId.slice(1));
        const first = ts.find((t) => t.modelId === 'm1')!;
        expect(Array.from(first.vector)).toEqual(Array.from(vec(n)));
        count++;
      }
      after = page[page.length - 1]!.subjectId;
    }
    expect(count).toBeGreaterThan(0);
    // Every acknowledged enrolment that was not deleted on purpose survived the crashes.
    // (n % 7 === 3 deletes s<n-2>; the killed process may have done that without acknowledging n.)
    const deletedOnPurpose = (n: number): boolean => (n + 2) % 7 === 3 && n + 2 < next;
    for (const n of acknowledged) {
      if (deletedOnPurpose(n)) continue;
      expect((await store.getSubject(`s${n}`))?.subjectId).toBe(`s${n}`);
      expect((await store.listTemplates(`s${n}`)).map((t) => t.modelId)).toEqual(['m1', 'm2']);
    }
    // 1:N still works after the crash, also for the last acknowledged subject.
    const last = Math.max(...[...acknowledged].filter((n) => !deletedOnPurpose(n)));
    expect((await store.identify(vec(last), 'm1', 1))[0]?.subjectId).toBe(`s${last}`);
    await store.close();
  });
});
