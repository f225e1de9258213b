// Network capture for privacy assertions: every request of a browser context, its body, and a
// check that no image data left the page and nothing went to a host we did not allow.
import type { BrowserContext, Request } from 'playwright-core';
import { PUPPET_PATH } from './puppet';

export interface CapturedRequest {
  url: string;
  method: string;
  resourceType: string;
  body: Buffer | null;
}

/** Records every request of `context` (pages and their workers) from now on. */
export function captureRequests(context: BrowserContext): CapturedRequest[] {
  const out: CapturedRequest[] = [];
  context.on('request', (r: Request) => {
    const url = r.url();
    // The puppet's own frames are served by the test, not by the page.
    if (new URL(url).pathname.startsWith(PUPPET_PATH)) return;
    out.push({ url, method: r.method(), resourceType: r.resourceType(), body: r.postDataBuffer() });
  });
  return out;
}

const SIGNATURES: [string, (b: Buffer) => boolean][] = [
  // SOI followed by an APPn/DQT/SOF marker: 4 fixed bytes, so random ciphertext never matches
  [
    'JPEG',
    (b) =>
      [0xe0, 0xe1, 0xdb, 0xee, 0xc0].some((m) => b.includes(Buffer.from([0xff, 0xd8, 0xff, m]))),
  ],
  ['PNG', (b) => b.includes(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))],
  ['WebP', (b) => b.includes(Buffer.from('WEBPVP8'))],
  ['GIF', (b) => b.includes(Buffer.from('GIF89a')) || b.includes(Buffer.from('GIF87a'))],
  ['data: URL', (b) => /data:image\//i.test(b.toString('latin1'))],
  // base64 of a JPEG / PNG header, as it would appear inside JSON
  ['base64 JPEG', (b) => b.includes(Buffer.from('/9j/'))],
  ['base64 PNG', (b) => b.includes(Buffer.from('iVBORw0KGgo'))],
  // a landmark set or pixel array serialised as JSON numbers
  [
    'long number array',
    (b) => /\[(\s*-?\d+(\.\d+)?(e-?\d+)?\s*,){400,}/i.test(b.toString('latin1')),
  ],
];

/** Why this body looks like image (or landmark) data, or null. */
export function findImageData(body: Buffer, maxBytes = 32 * 1024): string | null {
  // 640×480 RGBA is 1.2 MB and even a 112×112 face crop is 37 KB; a sealed vector is ~3 KB.
  if (body.length > maxBytes) return `body of ${body.length} bytes (> ${maxBytes})`;
  for (const [name, test] of SIGNATURES) if (test(body)) return name;
  return null;
}

export interface NoImageDataOptions {
  /** Origins the page may talk to (its own and the endpoint's). Others are a failure. */
  origins: string[];
  /** Largest request body allowed, bytes. Default 32 KiB. */
  maxBodyBytes?: number;
}

/**
 * Throws when any captured request carried image-like data in its body, or went to an origin
 * not in `origins` (data: and blob: URLs never leave the browser and are ignored).
 */
export function expectNoImageDataLeft(
  requests: readonly CapturedRequest[],
  o: NoImageDataOptions,
): void {
  const problems: string[] = [];
  for (const r of requests) {
    const u = new URL(r.url);
    if (u.protocol === 'data:' || u.protocol === 'blob:') continue;
    if (!o.origins.includes(u.origin)) problems.push(`${r.method} ${r.url}: origin not allowed`);
    if (r.body) {
      const why = findImageData(r.body, o.maxBodyBytes);
      if (why) problems.push(`${r.method} ${r.url}: ${why} in the request body`);
    }
  }
  if (problems.length) {
    throw new Error(`data left the page:\n  ${problems.join('\n  ')}`);
  }
}
