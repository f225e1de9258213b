// ECDSA P-256 / SHA-256 signatures in IEEE P1363 form (r||s, 64 bytes), as WebCrypto emits them.

const ALG = { name: 'ECDSA', hash: 'SHA-256' } as const;
export const SIGNATURE_BYTES = 64;

export async function sign(privateKey: CryptoKey, data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign(ALG, privateKey, data as Uint8Array<ArrayBuffer>));
}

/** False (never a throw) for a wrong-length or invalid signature. */
export async function verify(
  publicKey: CryptoKey,
  signature: Uint8Array,
  data: Uint8Array,
): Promise<boolean> {
  if (signature.length !== SIGNATURE_BYTES) return false;
  try {
    return await crypto.subtle.verify(
      ALG,
      publicKey,
      signature as Uint8Array<ArrayBuffer>,
      data as Uint8Array<ArrayBuffer>,
    );
  } catch {
    return false;
  }
}
