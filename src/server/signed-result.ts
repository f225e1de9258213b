// The host backend's check of what the page relayed (`fv-result` detail `signed`): the claims
// must carry the endpoint's receipt signature. JSON turned the claims' "no number" NaNs into
// null on the way, so they are restored before the canonical bytes are rebuilt.
import {
  verifyReceipt,
  type ReceiptClaims,
  type ReceiptEntry,
  type SignedResult,
} from '../protocol/receipt';

const num = (x: unknown): number => (typeof x === 'number' ? x : Number.NaN);

/** Returns the signed claims when `signed` verifies with `publicKey` (GET /v1/keys `receipts`). */
export async function verifySignedResult(
  publicKey: string,
  signed: SignedResult | null | undefined,
): Promise<ReceiptClaims | null> {
  if (!signed?.claims || !signed.receipt || !Array.isArray(signed.claims.entries)) return null;
  const c = signed.claims;
  const claims: ReceiptClaims = {
    sessionId: String(c.sessionId),
    purpose: c.purpose,
    threshold: num(c.threshold),
    at: num(c.at),
    entries: c.entries.map((e): ReceiptEntry => ({
      subjectId: String(e.subjectId),
      decision: e.decision,
      score: num(e.score),
    })),
  };
  return (await verifyReceipt(publicKey, claims, signed.receipt)) ? claims : null;
}
