// Small pieces both backends share: retention policy resolution, export encoding, digests.

import { createHash } from 'node:crypto';
import {
  DEFAULT_RETENTION,
  MIN_CONSENT_RETENTION_MS,
  StoreError,
  type RetentionPolicy,
} from './types';

export function resolveRetention(policy: Partial<RetentionPolicy> = {}): RetentionPolicy {
  const out: RetentionPolicy = { ...DEFAULT_RETENTION };
  for (const key of Object.keys(DEFAULT_RETENTION) as (keyof RetentionPolicy)[]) {
    const v = policy[key];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0) {
      throw new StoreError('invalid_input', `${key}: must be a positive integer of milliseconds`);
    }
    out[key] = v;
  }
  if (out.consentMs < MIN_CONSENT_RETENTION_MS) {
    throw new StoreError(
      'invalid_input',
      'consentMs: consent records must be kept at least 183 days (6 months)',
    );
  }
  return out;
}

export const toBase64 = (b: Uint8Array): string =>
  Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

/** Base64 of the little-endian float32 bytes (Float32Array is little-endian on every Node target). */
export const vectorToBase64 = (v: Float32Array): string =>
  Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');

/** Order-sensitive digest over rows; Buffers are hashed by content. */
export function digestRows(
  table: string,
  rows: readonly Record<string, unknown>[],
  h = createHash('sha256'),
) {
  h.update(`table:${table}:${rows.length}\n`);
  for (const row of rows) {
    h.update(
      JSON.stringify(row, (_k, v: unknown) => {
        if (v instanceof Uint8Array) return `b:${Buffer.from(v).toString('hex')}`;
        if (typeof v === 'bigint') return `n:${v.toString()}`;
        return v;
      }),
    );
    h.update('\n');
  }
  return h;
}

/** Stable short id of a device public key (what lockout and the key list use). */
export const deviceKeyId = (publicKey: Uint8Array): string =>
  createHash('sha256').update(publicKey).digest().subarray(0, 12).toString('base64url');

/** Tables in dependency order (children first, for deletes). */
export const TABLES = [
  'device_keys',
  'grants_used',
  'templates',
  'template_changes',
  'template_generations',
  'verifications',
  'sessions',
  'consents',
  'calls',
  'subjects',
] as const;

/**
 * Change-log entries kept per model id. A cache further behind than this reloads the model
 * instead of replaying changes; older entries are pruned by purge().
 */
export const CHANGE_LOG_KEEP = 10_000;

export const pruneChangesSql = (keep: string): string => `
DELETE FROM template_changes
WHERE gen <= (SELECT g.gen FROM template_generations g WHERE g.model_id = template_changes.model_id) - ${keep}`;
