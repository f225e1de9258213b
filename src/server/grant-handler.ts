// The host backend's grant route, ready made: a fetch-style handler that reads what the page asks
// for ({purpose, subjectId, challengeSet}), lets the host decide (`authorize`: typically "only
// the signed-in user's own subject id") and answers `{grant}`. Mount it on your own origin.

import type { ChallengeSet, Purpose } from '../protocol/payload';
import { PURPOSES } from '../protocol/payload';
import { mintGrant, type GrantRequest } from './grants';

/** What the element asks for (its `getGrant` request). */
export interface AskedGrant {
  purpose: Purpose;
  subjectId: string;
  challengeSet?: ChallengeSet;
}

export interface GrantHandlerOptions {
  secret: string;
  /** The endpoint's FV_AUDIENCE. */
  audience: string;
  /**
   * Your decision for this request: the grant to mint (e.g. `{...asked, subjectId: user.id}`),
   * or null to refuse (403). Never mint for a subject id the page chose without checking it.
   */
  authorize(
    request: Request,
    asked: AskedGrant,
  ): Promise<Omit<GrantRequest, 'audience'> | null> | Omit<GrantRequest, 'audience'> | null;
  /** Cross-origin pages allowed to ask (CORS); same-origin pages need nothing. */
  origins?: readonly string[];
}

const MAX_BODY = 4096;

export function grantHandler(o: GrantHandlerOptions): (request: Request) => Promise<Response> {
  return async (request) => {
    const origin = request.headers.get('origin') ?? '';
    const headers: Record<string, string> = { 'cache-control': 'no-store' };
    if (o.origins?.includes(origin)) {
      Object.assign(headers, {
        'access-control-allow-origin': origin,
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'content-type',
        vary: 'origin',
      });
    }
    if (request.method === 'OPTIONS') return new Response(null, { status: 204, headers });
    const fail = (status: number, error: string) => Response.json({ error }, { status, headers });
    if (request.method !== 'POST') return fail(405, 'POST only');
    const text = await request.text();
    if (text.length > MAX_BODY) return fail(413, 'body too large');
    let asked: AskedGrant;
    try {
      const j = JSON.parse(text) as Partial<AskedGrant>;
      if (!PURPOSES.includes(j.purpose as Purpose) || typeof (j.subjectId ?? '') !== 'string') {
        throw new Error('shape');
      }
      asked = {
        purpose: j.purpose as Purpose,
        subjectId: j.subjectId ?? '',
        ...(j.challengeSet ? { challengeSet: j.challengeSet } : {}),
      };
    } catch {
      return fail(400, 'expected {purpose, subjectId, challengeSet?}');
    }
    const decided = await o.authorize(request, asked);
    if (!decided) return fail(403, 'not authorised');
    try {
      return Response.json(
        { grant: mintGrant(o.secret, { ...decided, audience: o.audience }) },
        { headers },
      );
    } catch (e) {
      return fail(400, (e as Error).message);
    }
  };
}

/** For tests and the local demo only: grants whatever the page asks for. */
export const grantAnything = (_: Request, asked: AskedGrant): Omit<GrantRequest, 'audience'> => ({
  purpose: asked.purpose,
  ...(asked.subjectId ? { subjectId: asked.subjectId } : {}),
  ...(asked.challengeSet ? { challengeSet: asked.challengeSet } : {}),
});
