// The page half of the host's grant route: what every host page writes to feed `getGrant`, once.
import type { GrantSource } from './client';

/**
 * A `getGrant` that asks the host backend's grant route (`grantHandler` from face-verify/server,
 * or one of your own answering `{ grant }`): POSTs the element's request
 * (`{purpose, subjectId, challengeSet?}`) as JSON to `url` with the page's cookies (same-origin)
 * and returns the answer's `grant`. A refusal (any non-2xx) throws, which the element reports as
 * an error before any session opens.
 *
 * @example el.getGrant = grantFrom('/api/face-grant');
 */
export function grantFrom(url: string | URL): GrantSource {
  return async (request) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(request),
    });
    if (!res.ok) throw new Error(`grant: HTTP ${res.status}`);
    return ((await res.json()) as { grant: string }).grant;
  };
}
