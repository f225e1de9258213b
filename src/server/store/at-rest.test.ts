import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataKeyring } from './at-rest';
import { vec } from './testing/fixtures';

const row = { templateId: 't1', subjectId: 's1', modelId: 'm1' };
let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fv-keys-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('DataKeyring', () => {
  it('seals with a fresh IV per row and opens only for the same row', () => {
    const ring = DataKeyring.generate('k1');
    const v = vec(1);
    const a = ring.seal(v, row);
    const b = ring.seal(v, row);
    expect(a.keyId).toBe('k1');
    expect(Buffer.from(a.iv).equals(Buffer.from(b.iv))).toBe(false);
    expect(a.ct.length).toBe(512 * 4 + 16);
    expect(Array.from(ring.open(a, row))).toEqual(Array.from(v));
    expect(() => ring.open(a, { ...row, subjectId: 's2' })).toThrow(/authentication/);
    const flipped = new Uint8Array(a.ct);
    flipped[100]! ^= 1;
    expect(() => ring.open({ ...a, ct: flipped }, row)).toThrow(/authentication/);
    expect(() => ring.open({ ...a, keyId: 'k9' }, row)).toThrow(/unknown key id/);
  });

  it('creates a 0600 key file on first load and reads the same key back', () => {
    const file = join(dir, 'data', 'data-key.json');
    const first = DataKeyring.load({ keyFile: file });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const sealed = first.seal(vec(2), row);
    const second = DataKeyring.load({ keyFile: file });
    expect(Array.from(second.open(sealed, row))).toEqual(Array.from(vec(2)));
    expect(readFileSync(file, 'utf8')).toContain('"current": "k1"');
    expect(readdirSync(join(dir, 'data'))).toEqual(['data-key.json']); // no temp file left
  });

  it('prefers FV_DATA_KEY, supports rotation lists and rejects bad keys clearly', () => {
    const k = Buffer.alloc(32, 1).toString('base64');
    const old = Buffer.alloc(32, 2).toString('base64');
    const ring = DataKeyring.load({
      env: `new:${k}, old:${old}`,
      keyFile: join(dir, 'unused.json'),
    });
    expect(ring.currentKeyId).toBe('new');
    expect(ring.has('old')).toBe(true);
    expect(() => DataKeyring.fromEnv('nokey')).toThrow(/<id>:<base64 key>/);
    expect(() => DataKeyring.fromEnv(`k:${Buffer.alloc(16).toString('base64')}`)).toThrow(
      /32 bytes/,
    );
    expect(() => DataKeyring.fromEnv(`bad id:${k}`)).toThrow(/must match/);
    expect(() => DataKeyring.fromEnv(' , ')).toThrow(/empty/);
  });
});
