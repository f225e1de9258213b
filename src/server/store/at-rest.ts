// Template encryption at rest: AES-256-GCM, a fresh 96-bit IV per row, the key id stored
// beside each row so keys can rotate (new rows use the current key, old ids still decrypt).
// The AAD binds a ciphertext to its row (template id, subject id, model id), so copying a
// ciphertext into another row fails authentication instead of silently matching.
//
// Key source, first that exists:
//   FV_DATA_KEY = "<id>:<base64 32 bytes>[,<id>:<base64>...]" (first entry is current)
//   key file (default ./data/data-key.json) {"current":"<id>","keys":{"<id>":"<base64>"}}
//   otherwise a new key file is generated (mode 0600) on first start.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { VECTOR_LENGTH } from '../../protocol/payload';
import { StoreError } from './types';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

export interface SealedVector {
  keyId: string;
  iv: Uint8Array;
  /** Ciphertext followed by the 16-byte GCM tag. */
  ct: Uint8Array;
}

export interface RowBinding {
  templateId: string;
  subjectId: string;
  modelId: string;
}

export class DataKeyring {
  private readonly keys: ReadonlyMap<string, Buffer>;

  constructor(
    readonly currentKeyId: string,
    keys: ReadonlyMap<string, Uint8Array>,
  ) {
    const copy = new Map<string, Buffer>();
    for (const [id, key] of keys) {
      if (!KEY_ID.test(id)) throw new Error(`data key id "${id}" must match ${KEY_ID.source}`);
      if (key.length !== KEY_BYTES) throw new Error(`data key "${id}" must be ${KEY_BYTES} bytes`);
      copy.set(id, Buffer.from(key));
    }
    if (!copy.has(currentKeyId)) throw new Error(`current data key "${currentKeyId}" is missing`);
    this.keys = copy;
  }

  static generate(keyId = 'k1'): DataKeyring {
    return new DataKeyring(keyId, new Map([[keyId, randomBytes(KEY_BYTES)]]));
  }

  /** Parses FV_DATA_KEY: "<id>:<base64>[,<id>:<base64>...]", the first entry is current. */
  static fromEnv(value: string): DataKeyring {
    const entries = value
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((entry): [string, Uint8Array] => {
        const at = entry.indexOf(':');
        if (at <= 0) throw new Error('FV_DATA_KEY entries must look like "<id>:<base64 key>"');
        return [entry.slice(0, at), Buffer.from(entry.slice(at + 1), 'base64')];
      });
    if (entries.length === 0) throw new Error('FV_DATA_KEY is empty');
    return new DataKeyring(entries[0]![0], new Map(entries));
  }

  static fromFile(path: string): DataKeyring {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null) throw new Error(`${path}: not a key file`);
    const { current, keys } = parsed as { current?: unknown; keys?: unknown };
    if (typeof current !== 'string' || typeof keys !== 'object' || keys === null) {
      throw new Error(`${path}: expected {"current": id, "keys": {id: base64}}`);
    }
    const map = new Map<string, Uint8Array>();
    for (const [id, b64] of Object.entries(keys)) {
      if (typeof b64 !== 'string') throw new Error(`${path}: key "${id}" is not base64 text`);
      map.set(id, Buffer.from(b64, 'base64'));
    }
    return new DataKeyring(current, map);
  }

  /** Loads FV_DATA_KEY, else the key file, else creates the key file. */
  static load(opts: { env?: string | undefined; keyFile: string }): DataKeyring {
    if (opts.env !== undefined && opts.env !== '') return DataKeyring.fromEnv(opts.env);
    if (existsSync(opts.keyFile)) return DataKeyring.fromFile(opts.keyFile);
    const ring = DataKeyring.generate();
    mkdirSync(dirname(opts.keyFile), { recursive: true, mode: 0o700 });
    // Write a private temp file, then link it into place: the key file appears complete or
    // not at all, and link() fails if another process (a cluster worker) got there first.
    const tmp = `${opts.keyFile}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, ring.toFileJson(), { mode: 0o600, flag: 'wx' });
    try {
      chmodSync(tmp, 0o600);
      linkSync(tmp, opts.keyFile);
    } catch (e) {
      if ((e as { code?: unknown }).code === 'EEXIST') return DataKeyring.fromFile(opts.keyFile);
      throw e;
    } finally {
      unlinkSync(tmp);
    }
    return ring;
  }

  toFileJson(): string {
    const keys: Record<string, string> = {};
    for (const [id, key] of this.keys) keys[id] = key.toString('base64');
    return JSON.stringify({ current: this.currentKeyId, keys }, null, 2) + '\n';
  }

  has(keyId: string): boolean {
    return this.keys.has(keyId);
  }

  seal(vector: Float32Array, row: RowBinding): SealedVector {
    const key = this.keys.get(this.currentKeyId)!;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    cipher.setAAD(aad(this.currentKeyId, row));
    const plain = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
    const ct = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return { keyId: this.currentKeyId, iv, ct };
  }

  open(sealed: SealedVector, row: RowBinding): Float32Array {
    const key = this.keys.get(sealed.keyId);
    if (key === undefined) {
      throw new StoreError(
        'key_unavailable',
        `template encrypted under unknown key id "${sealed.keyId}"`,
      );
    }
    if (sealed.iv.length !== IV_BYTES || sealed.ct.length !== VECTOR_LENGTH * 4 + TAG_BYTES) {
      throw new StoreError('corrupt', 'stored template has the wrong size');
    }
    const body = sealed.ct.subarray(0, sealed.ct.length - TAG_BYTES);
    const tag = sealed.ct.subarray(sealed.ct.length - TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv);
    decipher.setAAD(aad(sealed.keyId, row));
    decipher.setAuthTag(tag);
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(body), decipher.final()]);
    } catch {
      throw new StoreError('corrupt', 'stored template failed authentication');
    }
    // Copy into a fresh, aligned buffer (Buffer pools are not 4-byte aligned).
    const out = new Float32Array(VECTOR_LENGTH);
    new Uint8Array(out.buffer).set(plain);
    plain.fill(0);
    return out;
  }
}

function aad(keyId: string, row: RowBinding): Buffer {
  // Length-prefixed fields so no two distinct rows share an AAD.
  const parts = ['fv-template-v1', keyId, row.templateId, row.subjectId, row.modelId];
  return Buffer.concat(
    parts.flatMap((p) => {
      const b = Buffer.from(p, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32BE(b.length);
      return [len, b];
    }),
  );
}
