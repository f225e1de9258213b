// Key generation and import/export with WebCrypto only (runs in browsers and Node 20).

import { Aes256Gcm, CipherSuite, DhkemP256HkdfSha256, HkdfSha256 } from '@hpke/core';

/** RFC 9180 suite of the protocol: DHKEM(P-256, HKDF-SHA256), HKDF-SHA256, AES-256-GCM. */
export const hpkeSuite = new CipherSuite({
  kem: new DhkemP256HkdfSha256(),
  kdf: new HkdfSha256(),
  aead: new Aes256Gcm(),
});

const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/**
 * Device signing key. The private half is non-extractable: it can be stored in IndexedDB as a
 * CryptoKey (structured clone) but its bytes can never be read by script.
 */
export function generateDeviceKeyPair(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(ECDSA_P256, false, ['sign', 'verify']);
}

/** Raw uncompressed point (65 bytes) of an EC public key. */
export async function exportPublicKeyRaw(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey('raw', key));
}

export function importDevicePublicKey(raw: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', raw as Uint8Array<ArrayBuffer>, ECDSA_P256, true, [
    'verify',
  ]);
}

/** Server HPKE key pair (extractable so the server can persist it to its key file). */
export function generateHpkeKeyPair(): Promise<CryptoKeyPair> {
  return hpkeSuite.kem.generateKeyPair();
}

export async function serializeHpkePrivateKey(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await hpkeSuite.kem.serializePrivateKey(key));
}

export async function serializeHpkePublicKey(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await hpkeSuite.kem.serializePublicKey(key));
}

export function importHpkePrivateKey(raw: Uint8Array): Promise<CryptoKey> {
  return hpkeSuite.kem.deserializePrivateKey(raw);
}

export function importHpkePublicKey(raw: Uint8Array): Promise<CryptoKey> {
  return hpkeSuite.kem.deserializePublicKey(raw);
}

/** SHA-256 digest, e.g. of a nonce (the server stores only the hash) or a policy text. */
export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

export function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}
