// Hono app factory. Everything with state or time is injected (store, keys, clock, random), so
// tests run the real app in-process and over HTTP with the same code.

import { createHmac, randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { routePath } from 'hono/route';
import { ERROR_STATUS, ProtocolError, type ErrorBody, type ErrorCode } from '../protocol/errors';
import { defaultConfig, type ServerConfig } from './config';
import { isOperator, type AppDeps, type AppEnv, type Ctx } from './context';
import type { ServerKeys } from './keys';
import { silentLogger, type Logger } from './logging';
import { FailureBackoff, tokenBucket } from './rate-limit';
import { consentRoutes } from './routes/consents';
import { grantRoutes } from './routes/grants';
import { rightsRoutes } from './routes/rights';
import { serviceRoutes } from './routes/service';
import { sessionRoutes } from './routes/sessions';
import { subjectRoutes } from './routes/subjects';
import { submissionRoutes } from './routes/submissions';
import { StoreError, type CallRecord, type Store } from './store/types';

export interface CreateAppOptions {
  store: Store;
  keys: ServerKeys;
  config?: ServerConfig;
  now?: () => number;
  logger?: Logger;
  random?: (n: number) => Uint8Array;
  clientId?: (c: Ctx) => string;
  /** Secret for the keyed hash of client ids in the call log (random per process by default). */
  callLogSecret?: Uint8Array;
  /** Call-log entries are written in one transaction per this many ms (0: next tick). */
  callLogBatchMs?: number;
}

/**
 * The client address. Behind N trusted proxies, each appends the address it saw to
 * X-Forwarded-For, so the N-th entry from the right is the one the outermost proxy saw; anything
 * left of it was written by the client and is ignored.
 */
export function remoteAddress(c: Ctx, trustProxy: number): string {
  if (trustProxy > 0) {
    const entries = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean);
    if (entries.length > 0) return entries[Math.max(0, entries.length - trustProxy)]!;
  }
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)
    ?.incoming;
  return incoming?.socket?.remoteAddress ?? 'local';
}

const STORE_CODES: Record<StoreError['code'], ErrorCode> = {
  invalid_input: 'bad_request',
  unknown_subject: 'subject_not_found',
  device_mismatch: 'device_key_mismatch',
  conflict: 'subject_exists',
  key_unavailable: 'internal',
  corrupt: 'internal',
};

export function createApp(o: CreateAppOptions): Hono<AppEnv> {
  const config = o.config ?? defaultConfig();
  const logger = o.logger ?? silentLogger;
  const limiter = tokenBucket(config.rateLimit.perSecond, config.rateLimit.burst);
  const d: AppDeps = {
    store: o.store,
    keys: o.keys,
    config,
    now: o.now ?? Date.now,
    logger,
    random: o.random ?? ((n) => new Uint8Array(randomBytes(n))),
    clientId: o.clientId ?? ((c) => remoteAddress(c, config.trustProxy)),
    charge: (c, cost) => {
      if (cost > 0 && !isOperator(c, config) && !limiter.take(d.clientId(c), d.now(), cost)) {
        throw new ProtocolError('rate_limited');
      }
    },
    backoff: new FailureBackoff(config.clientBackoff),
  };
  const secret = o.callLogSecret ?? randomBytes(32);
  const clientHash = (id: string) =>
    createHmac('sha256', secret).update(id).digest('hex').slice(0, 16);
  const app = new Hono<AppEnv>();

  // Every answer: never cached (receipts, nonces, exports are personal or single use), never
  // sniffed into another type, and no Referer carried to anything the answer links to.
  app.use('*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
  });

  const fail = (c: Ctx, code: ErrorCode, message: string) => {
    c.set('code', code);
    const status = ERROR_STATUS[code] || 500;
    const body: ErrorBody = { error: { code, message } };
    return c.json(body, status as 400);
  };

  // The call log is written after the responses are handed back, so it never adds to request
  // latency, and everything logged within `callLogBatchMs` goes in one transaction (one commit
  // instead of one per request under load). A process crash loses at most that batch.
  const batchMs = o.callLogBatchMs ?? 50;
  let pendingCalls: CallRecord[] = [];
  const flushCalls = () => {
    const batch = pendingCalls;
    pendingCalls = [];
    d.store
      .addCalls(batch)
      .catch(() => logger.log('warn', 'call_log_failed', { entries: batch.length }));
  };
  const logCall = (call: CallRecord) => {
    if (pendingCalls.push(call) !== 1) return;
    if (batchMs === 0) setImmediate(flushCalls);
    else setTimeout(flushCalls, batchMs).unref();
  };

  // Call log (no face data, no personal data: route pattern, status, code, time, keyed hash).
  app.use('*', async (c, next) => {
    const started = performance.now();
    c.set('code', null);
    await next();
    let route = 'unmatched';
    try {
      route = routePath(c, -1);
    } catch {
      // unmatched request
    }
    if (route === '*' || route === '/*') route = 'unmatched';
    const call = {
      at: d.now(),
      route: `${c.req.method} ${route}`,
      status: c.res.status,
      code: c.get('code'),
      ms: Math.round((performance.now() - started) * 1000) / 1000,
      clientHash: clientHash(d.clientId(c)),
    };
    logCall(call);
    if (call.status >= 500)
      logger.log('error', 'request_failed', { route: call.route, status: call.status });
  });

  app.use(
    '/v1/*',
    cors({
      origin: (origin) => (config.origins.includes(origin) ? origin : null),
      allowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
      allowHeaders: ['content-type', 'authorization'],
      maxAge: 600,
    }),
  );

  app.use('/v1/*', async (c, next) => {
    if (c.req.method === 'OPTIONS') return next();
    // The operator's backend is not throttled; wrong keys are (no brute force).
    if (!isOperator(c, config) && !limiter.take(d.clientId(c), d.now())) {
      throw new ProtocolError('rate_limited');
    }
    return next();
  });

  // Streamed cap for every body (also chunked ones without Content-Length), before any route
  // buffers it; routes apply their own tighter limits.
  const maxBody = Math.max(config.maxSubmissionBytes, config.maxJsonBytes);
  const streamedLimit = bodyLimit({
    maxSize: maxBody,
    onError: () => {
      throw new ProtocolError('body_too_large');
    },
  });
  app.use('/v1/*', async (c, next) => {
    // Same decision as bodyLimit for the common case (a Content-Length and no
    // Transfer-Encoding: node's parser delivers exactly that many bytes), but without touching
    // `c.req.raw.body`, which would turn @hono/node-server's lightweight request into a full
    // web Request and stream (~0.3 ms per request); routes then read the body directly.
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next();
    const length = c.req.header('content-length');
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      if (parseInt(length, 10) > maxBody) throw new ProtocolError('body_too_large');
      return next();
    }
    return streamedLimit(c, next);
  });

  // One sub-app per resource; each route names who may call it (routes/guards.ts).
  app.route('/v1', serviceRoutes(d));
  app.route('/v1', grantRoutes(d));
  app.route('/v1', sessionRoutes(d));
  app.route('/v1', submissionRoutes(d));
  app.route('/v1', consentRoutes(d));
  app.route('/v1', rightsRoutes(d));
  app.route('/v1', subjectRoutes(d));

  app.notFound((c) => fail(c, 'not_found', 'no such route'));
  app.onError((err, c) => {
    if (err instanceof ProtocolError) return fail(c, err.code, err.message);
    if (err instanceof StoreError) {
      const code = STORE_CODES[err.code];
      if (code === 'internal') logger.log('error', 'store_error', { storeCode: err.code });
      return fail(c, code, code === 'internal' ? 'internal error' : err.message);
    }
    if (err instanceof HTTPException) {
      return fail(c, err.status === 413 ? 'body_too_large' : 'bad_request', 'bad request');
    }
    logger.log('error', 'unhandled', { name: err.name });
    return fail(c, 'internal', 'internal error');
  });
  return app;
}
