// Seal a submission (browser) and open it (server): HPKE base mode to the server key with an AAD
// that binds version, session, purpose and origin; the whole envelope signed by the device key.

import { ProtocolError } from '../protocol/errors';
import { fromBase64Url, toBase64Url } from '../protocol/encoding';
import {
  HPKE_INFO,
  PROTOCOL_VERSION,
  buildAad,
  decodePayload,
  encodePayload,
  envelopeSignedBytes,
  type SealedEnvelope,
  type SubmissionPayload,
} from '../protocol/payload';
import { exportPublicKeyRaw, hpkeSuite, importDevicePublicKey, importHpkePublicKey } from './keys';
import { sign, verify, SIGNATURE_BYTES } from './sign';

export const ENC_BYTES = 65;
export const DEVICE_KEY_BYTES = 65;
/** 10 faces x 512 float32 plus headers and the AEAD tag, with room to spare. */
export const MAX_CIPHERTEXT_BYTES = 24_576;

export interface SealOptions {
  payload: SubmissionPayload;
  keyId: string;
  /** Server HPKE public key: raw 65 bytes (from the session) or an imported key. */
  recipientPublicKey: Uint8Array | CryptoKey;
  /** The page origin (`location.origin`); the server checks it against its allowlist. */
  origin: string;
  deviceKey: CryptoKeyPair;
}

export async function sealSubmission(o: SealOptions): Promise<SealedEnvelope> {
  const { payload } = o;
  const recipient =
    o.recipientPublicKey instanceof Uint8Array
      ? await importHpkePublicKey(o.recipientPublicKey)
      : o.recipientPublicKey;
  const aad = buildAad({
    version: payload.version,
    sessionId: payload.sessionId,
    purpose: payload.purpose,
    origin: o.origin,
  });
  const sealed = await hpkeSuite.seal(
    { recipientPublicKey: recipient, info: HPKE_INFO },
    encodePayload(payload),
    aad,
  );
  const enc = new Uint8Array(sealed.enc);
  const ct = new Uint8Array(sealed.ct);
  const deviceKey = await exportPublicKeyRaw(o.deviceKey.publicKey);
  const signed = envelopeSignedBytes({
    v: payload.version,
    keyId: o.keyId,
    sessionId: payload.sessionId,
    purpose: payload.purpose,
    origin: o.origin,
    enc,
    ct,
    deviceKey,
  });
  const sig = await sign(o.deviceKey.privateKey, signed);
  return {
    v: payload.version,
    keyId: o.keyId,
    sessionId: payload.sessionId,
    purpose: payload.purpose,
    enc: toBase64Url(enc),
    ct: toBase64Url(ct),
    deviceKey: toBase64Url(deviceKey),
    sig: toBase64Url(sig),
  };
}

export interface OpenOptions {
  origin: string;
  /**
   * HPKE key for a key id (a pair saves re-deriving the public key on every open), or undefined
   * when the id is unknown or expired.
   */
  recipientKey: (keyId: string) => CryptoKeyPair | CryptoKey | undefined;
}

export interface OpenedSubmission {
  payload: SubmissionPayload;
  /** Raw device public key that signed the envelope (65 bytes). */
  deviceKey: Uint8Array;
}

function field(value: string, expected: number | [number, number], name: string): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = fromBase64Url(value);
  } catch (cause) {
    throw new ProtocolError('bad_request', `${name} is not base64url`, { cause });
  }
  const [min, max] = typeof expected === 'number' ? [expected, expected] : expected;
  if (bytes.length < min || bytes.length > max) {
    throw new ProtocolError('bad_request', `${name} has the wrong size`);
  }
  return bytes;
}

/**
 * Verify and decrypt an envelope. Checks, in order: version, key id, field sizes, signature,
 * HPKE open under the AAD, strict payload decoding, and that the payload repeats the envelope's
 * version, session and purpose. Session freshness is the caller's job (it needs the store).
 */
export async function openSubmission(e: SealedEnvelope, o: OpenOptions): Promise<OpenedSubmission> {
  if (e.v !== PROTOCOL_VERSION) throw new ProtocolError('unsupported_version');
  const key = o.recipientKey(e.keyId);
  if (!key) throw new ProtocolError('unknown_key_id');
  const enc = field(e.enc, ENC_BYTES, 'enc');
  const ct = field(e.ct, [16, MAX_CIPHERTEXT_BYTES], 'ct');
  const deviceKey = field(e.deviceKey, DEVICE_KEY_BYTES, 'deviceKey');
  const sig = field(e.sig, SIGNATURE_BYTES, 'sig');
  let devicePublic: CryptoKey;
  try {
    devicePublic = await importDevicePublicKey(deviceKey);
  } catch (cause) {
    throw new ProtocolError('bad_request', 'deviceKey is not a P-256 point', { cause });
  }
  const signed = envelopeSignedBytes({
    v: e.v,
    keyId: e.keyId,
    sessionId: e.sessionId,
    purpose: e.purpose,
    origin: o.origin,
    enc,
    ct,
    deviceKey,
  });
  if (!(await verify(devicePublic, sig, signed))) throw new ProtocolError('bad_signature');
  const aad = buildAad({
    version: e.v,
    sessionId: e.sessionId,
    purpose: e.purpose,
    origin: o.origin,
  });
  let plain: Uint8Array;
  try {
    plain = new Uint8Array(
      await hpkeSuite.open({ recipientKey: key, enc, info: HPKE_INFO }, ct, aad),
    );
  } catch (cause) {
    throw new ProtocolError('decrypt_failed', 'HPKE open failed', { cause });
  }
  const payload = decodePayload(plain);
  if (payload.sessionId !== e.sessionId) throw new ProtocolError('session_mismatch');
  if (payload.purpose !== e.purpose) throw new ProtocolError('purpose_mismatch');
  return { payload, deviceKey };
}
