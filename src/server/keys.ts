// Server key material: HPKE key pairs (decrypt submissions) and an ECDSA P-256 key that signs
// result receipts. Generated on first start into the data directory (file mode 0600). Rotation
// makes a new HPKE key current and keeps the old id valid for decryption until `expiresAt`.

import { randomBytes as nodeRandomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { fromBase64Url, toBase64Url } from '../protocol/encoding';
import {
  exportPublicKeyRaw,
  generateHpkeKeyPair,
  importHpkePrivateKey,
  importHpkePublicKey,
  serializeHpkePrivateKey,
  serializeHpkePublicKey,
} from '../crypto/keys';
import { sign } from '../crypto/sign';

interface StoredHpkeKey {
  keyId: string;
  createdAt: number;
  /** Null while usable; otherwise decryption stops at this time. */
  expiresAt: number | null;
  privateKey: string;
  publicKey: string;
}

interface KeyFile {
  version: 1;
  current: string;
  hpke: StoredHpkeKey[];
  signing: { keyId: string; pkcs8: string; publicKey: string };
}

interface LiveHpkeKey {
  keyId: string;
  expiresAt: number | null;
  pair: CryptoKeyPair;
  publicKeyRaw: Uint8Array;
}

const fileVersion = (path: string): string => {
  const st = statSync(path);
  return `${st.ino}:${st.mtimeMs}`;
};

const newKeyId = (prefix: string): string => `${prefix}-${toBase64Url(nodeRandomBytes(6))}`;

export class ServerKeys {
  /** Inode + mtime of the file last read/written: each save renames a new file into place. */
  private version = '';

  private constructor(
    private file: KeyFile,
    private hpke: Map<string, LiveHpkeKey>,
    private signingKey: CryptoKey,
    private readonly path: string | null,
  ) {}

  /** Load the key file, or create it on first start. `path` null keeps keys in memory (tests). */
  static async open(path: string | null, now: number): Promise<ServerKeys> {
    if (path && existsSync(path)) return ServerKeys.load(path);
    const file: KeyFile = {
      version: 1,
      current: '',
      hpke: [],
      signing: await newSigningKey(),
    };
    const stored = await newHpkeKey(now);
    file.hpke.push(stored);
    file.current = stored.keyId;
    const keys = await ServerKeys.fromFile(file, path);
    if (path) {
      // Several processes may start at once on an empty data dir: create-if-absent (link is
      // atomic), and whoever loses loads the winner's keys.
      mkdirSync(dirname(path), { recursive: true });
      const tmp = `${path}.${process.pid}.${toBase64Url(nodeRandomBytes(4))}.tmp`;
      writeFileSync(tmp, JSON.stringify(file, null, 2), { mode: 0o600 });
      try {
        linkSync(tmp, path);
      } catch (e) {
        if ((e as { code?: string }).code !== 'EEXIST') throw e;
        return ServerKeys.load(path);
      } finally {
        unlinkSync(tmp);
      }
      keys.version = fileVersion(path);
    }
    return keys;
  }

  private static async load(path: string): Promise<ServerKeys> {
    const version = fileVersion(path);
    const keys = await ServerKeys.fromFile(JSON.parse(readFileSync(path, 'utf8')) as KeyFile, path);
    keys.version = version;
    return keys;
  }

  /**
   * Re-read the key file when another process or instance rotated it (a stat when unchanged).
   * `main.ts` calls this periodically, so sessions issued elsewhere open everywhere.
   */
  async reloadIfChanged(): Promise<boolean> {
    if (!this.path || !existsSync(this.path)) return false;
    if (fileVersion(this.path) === this.version) return false;
    const next = await ServerKeys.load(this.path);
    this.file = next.file;
    this.hpke = next.hpke;
    this.signingKey = next.signingKey;
    this.version = next.version;
    return true;
  }

  private static async fromFile(file: KeyFile, path: string | null): Promise<ServerKeys> {
    const hpke = new Map<string, LiveHpkeKey>();
    for (const k of file.hpke) {
      hpke.set(k.keyId, {
        keyId: k.keyId,
        expiresAt: k.expiresAt,
        pair: await importPair(k),
        publicKeyRaw: fromBase64Url(k.publicKey),
      });
    }
    if (!hpke.has(file.current)) throw new Error('key file: current HPKE key missing');
    const signingKey = await crypto.subtle.importKey(
      'pkcs8',
      fromBase64Url(file.signing.pkcs8) as Uint8Array<ArrayBuffer>,
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['sign'],
    );
    return new ServerKeys(file, hpke, signingKey, path);
  }

  private save(): void {
    if (!this.path) return;
    mkdirSync(dirname(this.path), { recursive: true });
    // Write-then-rename so a crash never leaves a half-written key file.
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.file, null, 2), { mode: 0o600 });
    chmodSync(tmp, 0o600);
    renameSync(tmp, this.path);
    this.version = fileVersion(this.path);
  }

  /** The key clients encrypt to now. */
  current(): { keyId: string; publicKeyRaw: Uint8Array } {
    const k = this.hpke.get(this.file.current)!;
    return { keyId: k.keyId, publicKeyRaw: k.publicKeyRaw };
  }

  /** Key pair for decryption, or undefined for an unknown or expired id. */
  recipientKey(keyId: string, now: number): CryptoKeyPair | undefined {
    const k = this.hpke.get(keyId);
    if (!k || (k.expiresAt !== null && now >= k.expiresAt)) return undefined;
    return k.pair;
  }

  /** New current HPKE key; previous keys decrypt for `graceMs` more, expired ones are dropped. */
  async rotate(now: number, graceMs: number): Promise<string> {
    await this.reloadIfChanged(); // never clobber another instance's rotation
    const stored = await newHpkeKey(now);
    this.file.hpke = this.file.hpke.filter((k) => k.expiresAt === null || k.expiresAt > now);
    for (const k of this.file.hpke) {
      if (k.expiresAt === null) k.expiresAt = now + graceMs;
      const live = this.hpke.get(k.keyId);
      if (live) live.expiresAt = k.expiresAt;
    }
    for (const id of [...this.hpke.keys()]) {
      if (!this.file.hpke.some((k) => k.keyId === id)) this.hpke.delete(id);
    }
    this.file.hpke.push(stored);
    this.file.current = stored.keyId;
    this.hpke.set(stored.keyId, {
      keyId: stored.keyId,
      expiresAt: null,
      pair: await importPair(stored),
      publicKeyRaw: fromBase64Url(stored.publicKey),
    });
    this.save();
    return stored.keyId;
  }

  /** Receipt signing key id and its raw public key (published at GET /v1/keys). */
  signingPublic(): { keyId: string; publicKey: string } {
    return { keyId: this.file.signing.keyId, publicKey: this.file.signing.publicKey };
  }

  signReceipt(bytes: Uint8Array): Promise<Uint8Array> {
    return sign(this.signingKey, bytes);
  }
}

async function importPair(k: StoredHpkeKey): Promise<CryptoKeyPair> {
  return {
    privateKey: await importHpkePrivateKey(fromBase64Url(k.privateKey)),
    publicKey: await importHpkePublicKey(fromBase64Url(k.publicKey)),
  };
}

async function newHpkeKey(now: number): Promise<StoredHpkeKey> {
  const pair = await generateHpkeKeyPair();
  return {
    keyId: newKeyId('hpke'),
    createdAt: now,
    expiresAt: null,
    privateKey: toBase64Url(await serializeHpkePrivateKey(pair.privateKey)),
    publicKey: toBase64Url(await serializeHpkePublicKey(pair.publicKey)),
  };
}

async function newSigningKey(): Promise<KeyFile['signing']> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
    'sign',
    'verify',
  ]);
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey('pkcs8', pair.privateKey));
  return {
    keyId: newKeyId('sig'),
    pkcs8: toBase64Url(pkcs8),
    publicKey: toBase64Url(await exportPublicKeyRaw(pair.publicKey)),
  };
}
