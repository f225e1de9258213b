import { describe, expect, it } from 'vitest';
import { policyVersionOf, sha256Hex } from './policy';

describe('policy version', () => {
  it('is the SHA-256 (hex) of the policy text', async () => {
    expect(await sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(await policyVersionOf({ text: 'abc', declared: 'v9', builtIn: 'x' })).toBe(
      await sha256Hex('abc'),
    );
  });

  it('ignores whitespace-only differences but not word changes', async () => {
    const a = await policyVersionOf({
      text: ' We keep\n  data 3 days. ',
      declared: '',
      builtIn: '',
    });
    const b = await policyVersionOf({ text: 'We keep data 3 days.', declared: '', builtIn: '' });
    const c = await policyVersionOf({ text: 'We keep data 30 days.', declared: '', builtIn: '' });
    expect(a).toBe(b);
    expect(c).not.toBe(b);
  });

  it('uses the declared version only without text, else hashes the built-in text', async () => {
    expect(await policyVersionOf({ text: '', declared: '2026-01', builtIn: 'b' })).toBe('2026-01');
    expect(await policyVersionOf({ text: '', declared: '', builtIn: 'b' })).toBe(
      await sha256Hex('b'),
    );
  });
});
