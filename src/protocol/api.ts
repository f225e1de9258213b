// JSON shapes of the endpoint's requests and responses, shared by the server and the browser client.

import type { ChallengeKind, Purpose } from './payload';

/** Response of `POST /v1/sessions`. Byte fields are base64url. */
export interface SessionResponse {
  sessionId: string;
  nonce: string;
  purpose: Purpose;
  subjectId: string | null;
  /** Server-chosen random order; the person performs them in this order. Empty for 'rights'. */
  challenges: ChallengeKind[];
  /** Epoch ms. */
  expiresAt: number;
  /** HPKE recipient public key, raw uncompressed P-256 (65 bytes). */
  hpkePublicKey: string;
  keyId: string;
  modelIds: string[];
}

/** The endpoint's signature over a result's claims (protocol/receipt.ts builds and checks it). */
export interface Receipt {
  keyId: string;
  at: number;
  /** ECDSA P-256/SHA-256, P1363, base64url, over `receiptSignedBytes`. */
  sig: string;
}

export interface EnrollResponse {
  sessionId: string;
  subjectId: string;
  templateId: string;
  modelId: string;
  /** True when this enrolment replaced earlier templates (re-enrolment / correction). */
  replaced: boolean;
  /** Templates stored (one per submitted frame). */
  templates: number;
  /** Server time of the result (epoch ms), part of the signed receipt. */
  at: number;
  /** Signature over the result for the host's backend (`verifyReceipt`, GET /v1/keys). */
  receipt: Receipt;
}

/**
 * The same shape whether or not the subject exists. `score` only on a match: a score below the
 * threshold would let a caller climb towards someone's template.
 */
export interface VerifyResponse {
  sessionId: string;
  subjectId: string;
  decision: 'match' | 'no-match';
  score: number | null;
  threshold: number;
  at: number;
  receipt: Receipt;
}

/** `POST /v1/add-device`: a verify that, on a match, registers the submitting device key. */
export interface AddDeviceResponse extends Omit<VerifyResponse, 'receipt'> {
  /** Id of the registered key (null on no-match). */
  deviceKeyId: string | null;
  receipt: Receipt;
}

/** One subject found by identify (1:N); not the element's `fv-result` candidate. */
export interface IdentifyCandidate {
  subjectId: string;
  score: number;
}

/**
 * 1:N when one face was sent, M:N when several: one result per face, in payload order. Only
 * candidates at or above the threshold are listed (at most k <= 5), never lower scores.
 */
export interface IdentifyResponse {
  sessionId: string;
  threshold: number;
  results: { face: number; candidates: IdentifyCandidate[]; match: IdentifyCandidate | null }[];
  at: number;
  receipt: Receipt;
}

export interface ConsentRequest {
  /** A live session opened with the host's grant for this subject (who may record consent). */
  sessionId?: string;
  subjectId: string;
  /** Hash of the policy text the person saw. */
  policyVersion: string;
  purposes: Purpose[] | string[];
  sensitive: boolean;
  guardian: boolean;
  accepted: boolean;
}

export interface ConsentResponse {
  consentId: string;
  at: number;
}

export interface WithdrawResponse {
  subjectId: string;
  consentsWithdrawn: number;
  templatesDeleted: number;
}

export interface DeregisterResponse {
  subjectId: string;
  deleted: boolean;
  templatesDeleted: number;
  verificationsDeleted: number;
}

export interface SubjectSummary {
  subjectId: string;
  createdAt: number;
  suspendedUntil: number | null;
  deviceBound: boolean;
  /** Number of registered device keys. */
  deviceKeys: number;
}

export interface DeviceKeySummary {
  keyId: string;
  addedAt: number;
}

export interface TemplateSummary {
  templateId: string;
  modelId: string;
  createdAt: number;
}

/** A consent decision as the endpoint keeps it (the legal record) and exports it. */
export interface ConsentRecord {
  consentId: string;
  subjectId: string;
  /** e.g. a hash of the policy text; a changed version requires fresh consent. */
  policyVersion: string;
  purposes: string[];
  /** Separate consent to processing sensitive (biometric) data. */
  sensitive: boolean;
  guardian: boolean;
  accepted: boolean;
  /** Server time of the decision (epoch ms). */
  at: number;
  withdrawnAt: number | null;
}

/** One enrolment, verification or identification attempt, as kept (briefly) and exported. */
export interface VerificationRecord {
  id: string;
  subjectId: string | null;
  kind: 'enroll' | 'verify' | 'identify';
  decision: 'accept' | 'reject';
  score: number | null;
  at: number;
  /** Device key id of the attempt (lockout is counted per subject and device key). */
  deviceId?: string | null;
}

/**
 * `POST /v1/subjects/:id/export`: everything stored about one subject (right of access / copy).
 * The store returns exactly this (its consent and verification records are these types).
 */
export interface SubjectExport {
  subject: {
    subjectId: string;
    createdAt: number;
    suspendedUntil: number | null;
    deviceKeys: { keyId: string; publicKey: string; addedAt: number }[]; // publicKey base64
  } | null;
  templates: { templateId: string; modelId: string; createdAt: number; vector: string }[]; // base64 float32 LE
  consents: ConsentRecord[];
  verifications: VerificationRecord[];
}
