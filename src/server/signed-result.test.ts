// What a host backend receives from its page: the signed claims, after a JSON round trip.
import { describe, expect, it } from 'vitest';
import { receiptSignedBytes, type ReceiptClaims, type SignedResult } from '../protocol/receipt';
import { ServerKeys } from './keys';
import { verifySignedResult } from './signed-result';

async function signed(claims: ReceiptClaims): Promise<{ publicKey: string; s: SignedResult }> {
  const keys = await ServerKeys.open(null, 1_800_000_000_000);
  const sig = Buffer.from(await keys.signReceipt(receiptSignedBytes(claims))).toString('base64url');
  const { keyId, publicKey } = keys.signingPublic();
  return { publicKey, s: { claims, receipt: { keyId, at: claims.at, sig } } };
}

const enrolled: ReceiptClaims = {
  sessionId: 's-1',
  purpose: 'enroll',
  threshold: Number.NaN,
  at: 1_800_000_000_000,
  entries: [{ subjectId: 'alice', decision: 'enrolled', score: Number.NaN }],
};

describe('verifySignedResult', () => {
  it('accepts the claims after JSON turned their NaNs into null', async () => {
    const { publicKey, s } = await signed(enrolled);
    const relayed = JSON.parse(JSON.stringify(s)) as SignedResult;
    expect(relayed.claims.threshold).toBeNull();
    const claims = await verifySignedResult(publicKey, relayed);
    expect(claims?.entries[0]).toMatchObject({ subjectId: 'alice', decision: 'enrolled' });
  });

  it('refuses a changed decision, another subject, or nothing at all', async () => {
    const verify: ReceiptClaims = {
      ...enrolled,
      purpose: 'verify',
      threshold: 0.4,
      entries: [{ subjectId: 'alice', decision: 'no-match', score: 0.12 }],
    };
    const { publicKey, s } = await signed(verify);
    const forged = structuredClone(s);
    forged.claims.entries[0]!.decision = 'match';
    expect(await verifySignedResult(publicKey, forged)).toBeNull();
    const other = structuredClone(s);
    other.claims.entries[0]!.subjectId = 'bob';
    expect(await verifySignedResult(publicKey, other)).toBeNull();
    expect(await verifySignedResult(publicKey, null)).toBeNull();
    expect(await verifySignedResult(publicKey, s)).not.toBeNull();
  });
});
