// Submission payload: the plaintext sealed inside HPKE, its canonical binary encoding, the AAD and
// the bytes the device signs. Pure: imported by the browser client and the server.

import { ProtocolError } from './errors';
import { Reader, Writer, concatBytes, utf8 } from './encoding';

/** 2: challenge evidence carries `promptedAt` (reaction windows). */
export const PROTOCOL_VERSION = 2;
export const VECTOR_LENGTH = 512;
export const NONCE_BYTES = 32;
/** M:N: at most this many faces of one capture in one identify payload. */
export const MAX_FACES = 10;
export const MAX_CHALLENGES = 8;
/** Enrolment: up to this many vectors of the same person (different moments of one session). */
export const MAX_ENROLL_VECTORS = 5;
/**
 * Verify and add-device: the element sends this many agreeing frames of the face (the endpoint
 * compares their centroid, which cancels one frame's pose and blur noise). At most
 * MAX_ENROLL_VECTORS.
 */
export const PROBE_FRAMES = 3;

/**
 * 'rights' sessions only authorise export / withdraw / delete by the person (no payload).
 * 'add-device' is a verify that, on a match, registers the submitting device key as another key
 * of the subject. Appended, never reordered: the payload encodes the index.
 */
export const PURPOSES = ['enroll', 'verify', 'identify', 'rights', 'add-device'] as const;
export type Purpose = (typeof PURPOSES)[number];

/** Wire names of the active-liveness actions (the liveness module maps its evidence onto this). */
export const CHALLENGE_KINDS = ['blink', 'turn-left', 'turn-right', 'open-mouth', 'nod'] as const;
export type ChallengeKind = (typeof CHALLENGE_KINDS)[number];
export const isChallengeKind = (v: unknown): v is ChallengeKind =>
  (CHALLENGE_KINDS as readonly unknown[]).includes(v);

/**
 * Which actions a session may ask for, chosen by the host in its grant and enforced by the
 * endpoint: `standard` (expressions and turns) or `head` (head movements only, for people who
 * cannot blink or open their mouth on request).
 */
export const CHALLENGE_SETS = {
  standard: ['blink', 'turn-left', 'turn-right', 'open-mouth'],
  head: ['turn-left', 'turn-right', 'nod'],
} as const satisfies Record<string, readonly ChallengeKind[]>;
export type ChallengeSet = keyof typeof CHALLENGE_SETS;
export const CHALLENGE_SET_NAMES = Object.keys(CHALLENGE_SETS) as ChallengeSet[];

/** One performed challenge. Times are client epoch milliseconds, the same clock as `clientTime`. */
export interface ChallengeEvidenceWire {
  kind: ChallengeKind;
  /** When the prompt for this action was shown: the reaction window is measured from here. */
  promptedAt: number;
  startedAt: number;
  completedAt: number;
  /** Detector confidence 0..1. */
  score: number;
}

/** Capture quality the client measured on the frame(s) it embedded; all 0..1. */
export interface QualitySummary {
  score: number;
  brightness: number;
  sharpness: number;
  /** Face box width / frame width. */
  faceRatio: number;
}

export interface SubmissionPayload {
  version: number;
  sessionId: string;
  nonce: Uint8Array;
  purpose: Purpose;
  /** Subject id for enroll/verify; '' for identify. */
  subject: string;
  modelId: string;
  /** One L2-normalised 512-d embedding per face; exactly one except for identify (M:N). */
  vectors: Float32Array[];
  liveness: ChallengeEvidenceWire[];
  /** Passive anti-spoof live probability 0..1. */
  antiSpoof: number;
  quality: QualitySummary;
  clientTime: number;
}

const MAGIC_PAYLOAD = utf8('FVP1');
const TAG_AAD = utf8('face-verify/aad/v1');
const TAG_SIGN = utf8('face-verify/envelope/v1');
const TAG_RIGHTS = utf8('face-verify/rights/v1');
/** HPKE `info`: binds the suite use to this protocol. */
export const HPKE_INFO = utf8('face-verify/hpke/v1');

export const MAX_ID_LENGTH = 128;
export const MAX_MODEL_ID_LENGTH = 128;

export function encodePayload(p: SubmissionPayload): Uint8Array {
  if (p.nonce.length !== NONCE_BYTES) throw new ProtocolError('malformed_payload', 'nonce size');
  if (p.vectors.length < 1 || p.vectors.length > MAX_FACES) {
    throw new ProtocolError('malformed_payload', 'vector count');
  }
  if (p.liveness.length > MAX_CHALLENGES) {
    throw new ProtocolError('malformed_payload', 'too many challenges');
  }
  const w = new Writer(64 + p.vectors.length * VECTOR_LENGTH * 4 + p.liveness.length * 32);
  w.raw(MAGIC_PAYLOAD).u8(p.version).str(p.sessionId).raw(p.nonce);
  w.u8(PURPOSES.indexOf(p.purpose)).str(p.subject).str(p.modelId);
  w.u8(p.vectors.length);
  for (const v of p.vectors) {
    if (v.length !== VECTOR_LENGTH) throw new ProtocolError('bad_vector', 'vector length');
    w.f32array(v);
  }
  w.u8(p.liveness.length);
  for (const e of p.liveness) {
    w.u8(CHALLENGE_KINDS.indexOf(e.kind)).f64(e.promptedAt).f64(e.startedAt).f64(e.completedAt);
    w.f32(e.score);
  }
  w.f32(p.antiSpoof);
  w.f32(p.quality.score).f32(p.quality.brightness).f32(p.quality.sharpness);
  w.f32(p.quality.faceRatio);
  w.f64(p.clientTime);
  return w.finish();
}

/** Strict decoder: wrong magic, enum out of range, truncation or trailing bytes all throw. */
export function decodePayload(bytes: Uint8Array): SubmissionPayload {
  const r = new Reader(bytes);
  const magic = r.raw(MAGIC_PAYLOAD.length);
  for (let i = 0; i < magic.length; i++) {
    if (magic[i] !== MAGIC_PAYLOAD[i]) throw new ProtocolError('malformed_payload', 'bad magic');
  }
  const version = r.u8();
  if (version !== PROTOCOL_VERSION) throw new ProtocolError('unsupported_version');
  const sessionId = r.str(MAX_ID_LENGTH);
  const nonce = r.raw(NONCE_BYTES);
  const purpose = PURPOSES[r.u8()];
  if (!purpose) throw new ProtocolError('malformed_payload', 'unknown purpose');
  const subject = r.str(MAX_ID_LENGTH);
  const modelId = r.str(MAX_MODEL_ID_LENGTH);
  const nv = r.u8();
  if (nv < 1 || nv > MAX_FACES) throw new ProtocolError('malformed_payload', 'vector count');
  const vectors: Float32Array[] = [];
  for (let i = 0; i < nv; i++) vectors.push(r.f32array(VECTOR_LENGTH));
  const ne = r.u8();
  if (ne > MAX_CHALLENGES) throw new ProtocolError('malformed_payload', 'too many challenges');
  const liveness: ChallengeEvidenceWire[] = [];
  for (let i = 0; i < ne; i++) {
    const kind = CHALLENGE_KINDS[r.u8()];
    if (!kind) throw new ProtocolError('malformed_payload', 'unknown challenge kind');
    const promptedAt = r.f64();
    const startedAt = r.f64();
    liveness.push({ kind, promptedAt, startedAt, completedAt: r.f64(), score: r.f32() });
  }
  const antiSpoof = r.f32();
  const quality = { score: r.f32(), brightness: r.f32(), sharpness: r.f32(), faceRatio: r.f32() };
  const clientTime = r.f64();
  r.end();
  return {
    version,
    sessionId,
    nonce,
    purpose,
    subject,
    modelId,
    vectors,
    liveness,
    antiSpoof,
    quality,
    clientTime,
  };
}

/** HPKE AAD: version, session, purpose and the page origin; a mismatch anywhere fails open(). */
export function buildAad(a: {
  version: number;
  sessionId: string;
  purpose: Purpose;
  origin: string;
}): Uint8Array {
  return new Writer(128)
    .raw(TAG_AAD)
    .u8(a.version)
    .str(a.sessionId)
    .str(a.purpose)
    .str(a.origin)
    .finish();
}

/** The JSON body of enrol/verify/identify. Byte fields are base64url. */
export interface SealedEnvelope {
  v: number;
  keyId: string;
  sessionId: string;
  purpose: Purpose;
  /** HPKE encapsulated key (65 bytes for DHKEM(P-256)). */
  enc: string;
  /** HPKE ciphertext of `encodePayload(...)`. */
  ct: string;
  /** Device ECDSA P-256 public key, raw uncompressed (65 bytes). */
  deviceKey: string;
  /** ECDSA P-256/SHA-256 signature (IEEE P1363 r||s, 64 bytes) over `envelopeSignedBytes`. */
  sig: string;
}

/** Canonical bytes the device signs: every envelope field except the signature, plus origin. */
export function envelopeSignedBytes(e: {
  v: number;
  keyId: string;
  sessionId: string;
  purpose: Purpose;
  origin: string;
  enc: Uint8Array;
  ct: Uint8Array;
  deviceKey: Uint8Array;
}): Uint8Array {
  return new Writer(e.ct.length + 256)
    .raw(TAG_SIGN)
    .u8(e.v)
    .str(e.keyId)
    .str(e.sessionId)
    .str(e.purpose)
    .str(e.origin)
    .bytes(e.enc)
    .bytes(e.ct)
    .bytes(e.deviceKey)
    .finish();
}

export const RIGHTS_ACTIONS = ['export', 'withdraw', 'delete'] as const;
export type RightsAction = (typeof RIGHTS_ACTIONS)[number];

/**
 * Bytes the device signs to exercise a data right (export / withdraw consent / deregister) without
 * an operator key: proves possession of the device key registered at enrolment.
 */
export function rightsSignedBytes(r: {
  action: RightsAction;
  subjectId: string;
  sessionId: string;
  nonce: Uint8Array;
  origin: string;
}): Uint8Array {
  return concatBytes(
    TAG_RIGHTS,
    new Writer(256)
      .str(r.action)
      .str(r.subjectId)
      .str(r.sessionId)
      .raw(r.nonce)
      .str(r.origin)
      .finish(),
  );
}

/** JSON body of the data-rights routes when called by the person (not the operator). */
export interface RightsProof {
  sessionId: string;
  nonce: string;
  deviceKey: string;
  sig: string;
}
