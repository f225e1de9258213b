// Signed result receipts. The browser relays the endpoint's answer to the host page, so the host's
// own backend must not trust it as is: it checks the receipt with the endpoint's published receipt
// key (GET /v1/keys). Pure: WebCrypto only.

import { Writer, fromBase64Url } from './encoding';
import type {
  AddDeviceResponse,
  EnrollResponse,
  IdentifyResponse,
  Receipt,
  VerifyResponse,
} from './api';
import type { Purpose } from './payload';

const TAG = new TextEncoder().encode('face-verify/receipt/v1');

export interface ReceiptEntry {
  /** '' when no subject (identify without a match). */
  subjectId: string;
  decision: 'match' | 'no-match' | 'enrolled';
  /** NaN when there is no score (enrolment). */
  score: number;
}

export interface ReceiptClaims {
  sessionId: string;
  purpose: Purpose;
  threshold: number;
  at: number;
  entries: ReceiptEntry[];
}

/**
 * What the page hands its host (`fv-result` detail `signed`): the claims and the endpoint's
 * signature over them. The host's backend checks it with `verifySignedResult`.
 */
export interface SignedResult {
  claims: ReceiptClaims;
  receipt: Receipt;
}

// NaN bit patterns are implementation-defined, so "no number" is a flag byte, never a NaN.
function num(w: Writer, x: number): Writer {
  return Number.isNaN(x) ? w.u8(0) : w.u8(1).f64(x);
}

export function receiptSignedBytes(c: ReceiptClaims): Uint8Array {
  const w = new Writer(256).raw(TAG).str(c.sessionId).str(c.purpose);
  num(w, c.threshold).f64(c.at).u8(c.entries.length);
  for (const e of c.entries) num(w.str(e.subjectId).str(e.decision), e.score);
  return w.finish();
}

/** Host-backend check: true when `receipt` signs exactly these claims with `publicKey` (raw). */
export async function verifyReceipt(
  publicKey: string,
  claims: ReceiptClaims,
  receipt: Receipt,
): Promise<boolean> {
  if (receipt.at !== claims.at) return false;
  try {
    const key = await crypto.subtle.importKey(
      'raw',
      fromBase64Url(publicKey) as Uint8Array<ArrayBuffer>,
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['verify'],
    );
    return await crypto.subtle.verify(
      { name: 'ECDSA', hash: 'SHA-256' },
      key,
      fromBase64Url(receipt.sig) as Uint8Array<ArrayBuffer>,
      receiptSignedBytes(claims) as Uint8Array<ArrayBuffer>,
    );
  } catch {
    return false;
  }
}

/** The claims a response carries, rebuilt the same way on the host backend. */
export function receiptClaimsOf(
  r:
    | ({ purpose: 'enroll' } & Omit<EnrollResponse, 'receipt'>)
    | ({ purpose: 'verify' } & Omit<VerifyResponse, 'receipt'>)
    | ({ purpose: 'add-device' } & Omit<AddDeviceResponse, 'receipt'>)
    | ({ purpose: 'identify' } & Omit<IdentifyResponse, 'receipt'>),
): ReceiptClaims {
  switch (r.purpose) {
    case 'enroll':
      return {
        sessionId: r.sessionId,
        purpose: 'enroll',
        threshold: Number.NaN,
        at: r.at,
        entries: [{ subjectId: r.subjectId, decision: 'enrolled', score: Number.NaN }],
      };
    case 'verify':
    case 'add-device':
      return {
        sessionId: r.sessionId,
        purpose: r.purpose,
        threshold: r.threshold,
        at: r.at,
        entries: [{ subjectId: r.subjectId, decision: r.decision, score: r.score ?? Number.NaN }],
      };
    case 'identify':
      return {
        sessionId: r.sessionId,
        purpose: 'identify',
        threshold: r.threshold,
        at: r.at,
        entries: r.results.map((x) => ({
          subjectId: x.match?.subjectId ?? '',
          decision: x.match ? 'match' : 'no-match',
          score: x.candidates[0]?.score ?? Number.NaN,
        })),
      };
  }
}
