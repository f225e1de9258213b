// Policy version: the SHA-256 of the policy text the person was shown. A declared version is
// used only when the host supplies no text at all.

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Whitespace differences do not re-prompt; any change of words does. */
export function normalisePolicy(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

export async function policyVersionOf(input: {
  text: string;
  declared: string;
  builtIn: string;
}): Promise<string> {
  const text = normalisePolicy(input.text);
  if (text) return sha256Hex(text);
  if (input.declared.trim()) return input.declared.trim();
  return sha256Hex(normalisePolicy(input.builtIn));
}
