import { afterEach, describe, expect, it, vi } from 'vitest';
import { grantFrom } from './grant';

afterEach(() => vi.unstubAllGlobals());

describe('grantFrom', () => {
  it("POSTs the element's request as JSON and returns the answer's grant", async () => {
    const fetch = vi.fn(async () => Response.json({ grant: 'g.1' }));
    vi.stubGlobal('fetch', fetch);
    const request = { purpose: 'verify' as const, subjectId: 'u-1', challengeSet: 'head' as const };
    expect(await grantFrom('http://host.test/api/grant')(request)).toBe('g.1');
    expect(fetch).toHaveBeenCalledWith('http://host.test/api/grant', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
  });

  it('throws on a refusal', async () => {
    vi.stubGlobal('fetch', async () => Response.json({ error: 'not authorised' }, { status: 403 }));
    await expect(grantFrom('/api/grant')({ purpose: 'enroll', subjectId: 'u-1' })).rejects.toThrow(
      'grant: HTTP 403',
    );
  });
});
