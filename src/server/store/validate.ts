// Argument checks shared by both backends. They run before any SQL, so bad input raises a
// StoreError('invalid_input') that names the field and nothing is written. Messages never
// echo values (they may be personal data or vectors).

import {
  StoreError,
  type CallRecord,
  type NewConsent,
  type NewSession,
  type NewSubject,
  type NewTemplate,
  type VerificationRecord,
} from './types';
import { isChallengeKind, VECTOR_LENGTH, type ChallengeKind } from '../../protocol/payload';

const MAX_ID = 256;

const bad = (field: string, why: string): StoreError =>
  new StoreError('invalid_input', `${field}: ${why}`);

export function id(field: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) throw bad(field, 'must be a non-empty string');
  if (v.length > MAX_ID) throw bad(field, `must be at most ${MAX_ID} characters`);
  // Control characters in identifiers only ever come from bugs or attacks.
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) throw bad(field, 'must not contain control characters');
  }
  return v;
}

export function text(field: string, v: unknown, max: number): string {
  if (typeof v !== 'string') throw bad(field, 'must be a string');
  if (v.length > max) throw bad(field, `must be at most ${max} characters`);
  return v;
}

export function time(field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    throw bad(field, 'must be epoch milliseconds (a non-negative integer)');
  }
  return v;
}

export function timeOrNull(field: string, v: unknown): number | null {
  return v === null ? null : time(field, v);
}

export function intRange(field: string, v: unknown, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw bad(field, `must be an integer from ${min} to ${max}`);
  }
  return v;
}

export function bool(field: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw bad(field, 'must be a boolean');
  return v;
}

export function bytes(field: string, v: unknown, min: number, max: number): Uint8Array {
  if (!(v instanceof Uint8Array)) throw bad(field, 'must be a Uint8Array');
  if (v.length < min || v.length > max) throw bad(field, `must be ${min}..${max} bytes`);
  return v;
}

export function strings(field: string, v: unknown, maxItems: number, maxLen: number): string[] {
  if (!Array.isArray(v)) throw bad(field, 'must be an array of strings');
  if (v.length > maxItems) throw bad(field, `must have at most ${maxItems} entries`);
  return v.map((s, i) => text(`${field}[${i}]`, s, maxLen));
}

/** 512 finite float32 values with a non-zero norm. */
/** Wire challenge kinds (protocol/payload.ts owns the list). */
export function challengeKinds(field: string, v: unknown): ChallengeKind[] {
  const kinds = strings(field, v, 16, 64);
  if (!kinds.every(isChallengeKind)) throw bad(field, 'must name known challenge kinds');
  return kinds;
}

export function vector(field: string, v: unknown): Float32Array {
  if (!(v instanceof Float32Array)) throw bad(field, 'must be a Float32Array');
  if (v.length !== VECTOR_LENGTH) {
    throw bad(field, `must have ${VECTOR_LENGTH} values, got ${v.length}`);
  }
  let sum = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (!Number.isFinite(x)) throw bad(field, `value ${i} is not a finite number`);
    sum += x * x;
  }
  if (!(sum > 0) || !Number.isFinite(sum)) throw bad(field, 'must have a finite, non-zero norm');
  return v;
}

export function newSubject(s: NewSubject): NewSubject {
  if (typeof s !== 'object' || s === null) throw bad('subject', 'must be an object');
  return {
    subjectId: id('subjectId', s.subjectId),
    devicePublicKey:
      s.devicePublicKey === null ? null : bytes('devicePublicKey', s.devicePublicKey, 1, 1024),
    createdAt: time('createdAt', s.createdAt),
  };
}

export function newTemplate(t: NewTemplate): NewTemplate {
  if (typeof t !== 'object' || t === null) throw bad('template', 'must be an object');
  return {
    templateId: id('templateId', t.templateId),
    subjectId: id('subjectId', t.subjectId),
    modelId: id('modelId', t.modelId),
    vector: vector('vector', t.vector),
    createdAt: time('createdAt', t.createdAt),
  };
}

export function newSession(s: NewSession): NewSession {
  if (typeof s !== 'object' || s === null) throw bad('session', 'must be an object');
  const createdAt = time('createdAt', s.createdAt);
  const expiresAt = time('expiresAt', s.expiresAt);
  if (expiresAt < createdAt) throw bad('expiresAt', 'must not be before createdAt');
  return {
    sessionId: id('sessionId', s.sessionId),
    nonceHash: bytes('nonceHash', s.nonceHash, 16, 64),
    purpose: id('purpose', s.purpose),
    subjectId: s.subjectId === null ? null : id('subjectId', s.subjectId),
    challenges: challengeKinds('challenges', s.challenges),
    origin: text('origin', s.origin, 512),
    expiresAt,
    createdAt,
  };
}

export function newConsent(c: NewConsent): NewConsent {
  if (typeof c !== 'object' || c === null) throw bad('consent', 'must be an object');
  return {
    consentId: id('consentId', c.consentId),
    subjectId: id('subjectId', c.subjectId),
    policyVersion: id('policyVersion', c.policyVersion),
    purposes: strings('purposes', c.purposes, 32, 128),
    sensitive: bool('sensitive', c.sensitive),
    guardian: bool('guardian', c.guardian),
    accepted: bool('accepted', c.accepted),
    at: time('at', c.at),
  };
}

const KINDS = new Set(['enroll', 'verify', 'identify']);
const DECISIONS = new Set(['accept', 'reject']);

export function verification(r: VerificationRecord): VerificationRecord {
  if (typeof r !== 'object' || r === null) throw bad('verification', 'must be an object');
  if (!KINDS.has(r.kind as string)) throw bad('kind', 'must be enroll, verify or identify');
  if (!DECISIONS.has(r.decision as string)) throw bad('decision', 'must be accept or reject');
  if (r.score !== null && (typeof r.score !== 'number' || !Number.isFinite(r.score))) {
    throw bad('score', 'must be a finite number or null');
  }
  return {
    id: id('id', r.id),
    subjectId: r.subjectId === null ? null : id('subjectId', r.subjectId),
    kind: r.kind,
    decision: r.decision,
    score: r.score,
    at: time('at', r.at),
    ...(r.deviceId === undefined || r.deviceId === null
      ? {}
      : { deviceId: text('deviceId', r.deviceId, 64) }),
  };
}

export function newTemplates(subjectId: string, ts: NewTemplate | NewTemplate[]): NewTemplate[] {
  const list = Array.isArray(ts) ? ts : [ts];
  if (list.length < 1 || list.length > 16) throw bad('templates', 'must have 1..16 entries');
  return list.map((t) => {
    const c = newTemplate(t);
    if (c.subjectId !== subjectId) {
      throw bad('templates', 'template.subjectId must equal subject.subjectId');
    }
    return c;
  });
}

export function call(c: CallRecord): CallRecord {
  if (typeof c !== 'object' || c === null) throw bad('call', 'must be an object');
  if (typeof c.ms !== 'number' || !Number.isFinite(c.ms) || c.ms < 0) {
    throw bad('ms', 'must be a non-negative number');
  }
  return {
    at: time('at', c.at),
    route: text('route', c.route, 256),
    status: intRange('status', c.status, 100, 599),
    code: c.code === null ? null : text('code', c.code, 64),
    ms: c.ms,
    clientHash: text('clientHash', c.clientHash, 128),
  };
}

/** Validates a bulk enrolment; subject and template must name the same subject. */
export function enrollments(
  entries: { subject: NewSubject; template: NewTemplate }[],
): { subject: NewSubject; template: NewTemplate }[] {
  if (!Array.isArray(entries)) throw bad('entries', 'must be an array');
  if (entries.length < 1 || entries.length > 100_000)
    throw bad('entries', 'must have 1..100000 entries');
  return entries.map((e, i) => {
    if (typeof e !== 'object' || e === null) throw bad(`entries[${i}]`, 'must be an object');
    const subject = newSubject(e.subject);
    const template = newTemplate(e.template);
    if (subject.subjectId !== template.subjectId) {
      throw bad(`entries[${i}]`, 'template.subjectId must equal subject.subjectId');
    }
    return { subject, template };
  });
}
