// The app's own backend (plain node:http): serves the built page from dist/ with the headers it
// needs, mints a grant for each face-verify session, and checks each result's signed receipt.
//   PORT (4187)   FV_ENDPOINT (http://127.0.0.1:8797)   FV_AUDIENCE (face-verify)
//   FV_GRANT_SECRET, else the file `face-verify serve` wrote (FV_GRANT_SECRET_FILE, data/grant-secret)
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { mintGrant, verifySignedResult } from 'face-verify/server';

const port = Number(process.env.PORT ?? 4187);
const endpoint = process.env.FV_ENDPOINT ?? 'http://127.0.0.1:8797';
const audience = process.env.FV_AUDIENCE ?? 'face-verify';
const root = resolve('dist');

// Read when first needed: `face-verify serve` creates the file on its first start.
const grantSecret = () =>
  process.env.FV_GRANT_SECRET ??
  readFileSync(process.env.FV_GRANT_SECRET_FILE ?? 'data/grant-secret', 'utf8').trim();

// What `npx face-verify doctor --endpoint …` prints for this endpoint.
const pageHeaders = {
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self' blob:; " +
    `connect-src 'self' ${new URL(endpoint).origin}; img-src 'self' blob: data:; ` +
    "media-src 'self' blob: mediastream:; style-src 'self' 'unsafe-inline'",
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Permissions-Policy': 'camera=(self)',
};

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
};

async function readJson(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 16_384) throw new Error('body too large');
  }
  return JSON.parse(body);
}

const json = (res, status, value) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));

/** A grant for this person and purpose. A real app takes the subject from its own sign-in. */
function grant(body) {
  if (!['enroll', 'verify'].includes(body.purpose) || typeof body.subjectId !== 'string') {
    return null;
  }
  return mintGrant(grantSecret(), { purpose: body.purpose, subjectId: body.subjectId, audience });
}

/** The endpoint's signed claims for a result the page relayed, or null (key: GET /v1/keys). */
async function checkResult(signed) {
  const keys = await (await fetch(`${endpoint}/v1/keys`)).json();
  if (signed?.receipt?.keyId !== keys.receipts.keyId) return null;
  return verifySignedResult(keys.receipts.publicKey, signed);
}

async function serveStatic(req, res) {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  let file = resolve(join(root, path.endsWith('/') ? `${path}index.html` : path));
  if (file !== root && !file.startsWith(root + sep)) return json(res, 404, {});
  let data;
  try {
    data = await readFile(file);
  } catch {
    file = join(root, 'index.html'); // one page app
    data = await readFile(file);
  }
  res.writeHead(200, {
    ...pageHeaders,
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
  });
  res.end(req.method === 'HEAD' ? undefined : data);
}

createServer(async (req, res) => {
  try {
    if (req.method === 'POST' && req.url === '/api/grant') {
      const g = grant(await readJson(req));
      return g ? json(res, 200, { grant: g }) : json(res, 403, { error: 'not allowed' });
    }
    if (req.method === 'POST' && req.url === '/api/check') {
      // Act on the signed claims only (e.g. sign the person in on a match), never on the page's word.
      const claims = await checkResult(await readJson(req));
      return json(res, 200, { verified: claims !== null, decision: claims?.entries[0]?.decision });
    }
    if (req.method === 'GET' || req.method === 'HEAD') return await serveStatic(req, res);
    json(res, 405, {});
  } catch (e) {
    console.error(`host backend: ${e.message}`);
    if (!res.headersSent) json(res, 500, { error: 'internal' });
  }
}).listen(port, '127.0.0.1', () => console.log(`example app: http://127.0.0.1:${port}/`));
