// Server key file: created once (also under a start-up race), rotation with a grace period, and
// other processes picking up a rotation from the shared file.

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerKeys } from './keys';

const dirs: string[] = [];
const tempFile = () => {
  const d = mkdtempSync(join(tmpdir(), 'fv-keys-'));
  dirs.push(d);
  return join(d, 'server-keys.json');
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('ServerKeys', () => {
  it('concurrent first starts agree on one key file (0600)', async () => {
    const path = tempFile();
    const all = await Promise.all(Array.from({ length: 6 }, () => ServerKeys.open(path, 1000)));
    const ids = new Set(all.map((k) => k.current().keyId));
    expect(ids.size).toBe(1);
    expect(statSync(path).mode & 0o077).toBe(0);
    const again = await ServerKeys.open(path, 2000);
    expect(again.current().keyId).toBe([...ids][0]);
    expect(again.signingPublic()).toEqual(all[0]!.signingPublic());
  });

  it('rotation keeps old ids for the grace period; other processes reload the file', async () => {
    const path = tempFile();
    const a = await ServerKeys.open(path, 1000);
    const b = await ServerKeys.open(path, 1000);
    const old = a.current().keyId;
    const fresh = await a.rotate(5000, 60_000);
    expect(a.recipientKey(old, 5000 + 59_999)).toBeDefined();
    expect(a.recipientKey(old, 5000 + 60_000)).toBeUndefined();
    expect(b.recipientKey(fresh, 6000)).toBeUndefined();
    expect(await b.reloadIfChanged()).toBe(true);
    expect(b.recipientKey(fresh, 6000)).toBeDefined();
    expect(b.current().keyId).toBe(fresh);
    expect(await b.reloadIfChanged()).toBe(false);
  });

  it('in-memory keys (tests) never touch the disk', async () => {
    const k = await ServerKeys.open(null, 1);
    expect(await k.reloadIfChanged()).toBe(false);
    expect(k.recipientKey(k.current().keyId, 2)).toBeDefined();
  });
});
