// Shared plumbing of the route modules: dependencies, typed context, body/query/origin checks.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import type { z } from 'zod';
import { ProtocolError, type ErrorCode } from '../protocol/errors';
import type { ServerConfig } from './config';
import type { ServerKeys } from './keys';
import type { Logger } from './logging';
import type { FailureBackoff } from './rate-limit';
import type { Store } from './store/types';

export interface AppDeps {
  store: Store;
  keys: ServerKeys;
  config: ServerConfig;
  /** Injected clock (epoch ms) so expiry, lockout and retention are testable. */
  now: () => number;
  logger: Logger;
  random: (n: number) => Uint8Array;
  /** Address-like client identity for rate limiting; hashed before it reaches the call log. */
  clientId: (c: Context<AppEnv>) => string;
  /** Charges `cost` more requests to the caller's rate limit (e.g. one per extra probed face). */
  charge: (c: Context<AppEnv>, cost: number) => void;
  /** Failed attempts per client, with backoff (see rate-limit.ts). */
  backoff: FailureBackoff;
}

export interface AppEnv {
  Variables: { code: ErrorCode | null };
}

export type Ctx = Context<AppEnv>;

/** 1..128 characters, no control characters (they only ever come from bugs or attacks). */
export function isValidId(v: string): boolean {
  if (v.length < 1 || v.length > 128) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return false;
  }
  return true;
}

export function param(c: Ctx, name: string): string {
  const v = c.req.param(name) ?? '';
  if (!isValidId(v)) throw new ProtocolError('bad_request', `invalid ${name}`);
  return v;
}

/** Reads a JSON body with a size cap and validates it; messages name fields, never values. */
export async function readJson<S extends z.ZodType>(
  c: Ctx,
  schema: S,
  maxBytes: number,
): Promise<z.infer<S>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/json(\s*;|$)/i.test(type)) throw new ProtocolError('unsupported_media_type');
  const declared = Number(c.req.header('content-length') ?? '0');
  if (declared > maxBytes) throw new ProtocolError('body_too_large');
  const text = await c.req.text();
  if (text.length > maxBytes) throw new ProtocolError('body_too_large');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ProtocolError('bad_request', 'body is not valid JSON');
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'body';
    throw new ProtocolError('bad_request', `invalid ${where}`);
  }
  return parsed.data;
}

/** The caller's Origin, which must be on the allowlist. */
export function requireOrigin(c: Ctx, config: ServerConfig): string {
  const origin = c.req.header('origin');
  if (!origin || !config.origins.includes(origin)) throw new ProtocolError('origin_not_allowed');
  return origin;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** SHA-256 of a nonce as stored by the store (node:crypto: synchronous, no thread-pool hop). */
export function nonceHash(nonce: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(nonce).digest());
}

/** True when the request carries the operator key (compared as digests, in constant time). */
export function isOperator(c: Ctx, config: ServerConfig): boolean {
  const auth = c.req.header('authorization');
  if (!auth || !config.operatorKey) return false;
  const m = /^Bearer (.+)$/.exec(auth);
  if (!m) return false;
  return timingSafeEqual(digest(m[1] as string), digest(config.operatorKey));
}

/** A non-negative integer query parameter within [min, max]; `def` when absent. */
export function intQuery(c: Ctx, name: string, def: number, min: number, max: number): number {
  const raw = c.req.query(name);
  if (raw === undefined) return def;
  if (!/^\d{1,15}$/.test(raw)) throw new ProtocolError('bad_request', `invalid ${name}`);
  const v = Number(raw);
  if (v < min || v > max) throw new ProtocolError('bad_request', `invalid ${name}`);
  return v;
}
