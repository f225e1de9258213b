// The endpoint as a plain Node request handler, for hosts that already run an HTTP server
// (node:http, Express, Fastify, Koa): mount it under a path instead of opening another port.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import type { Hono } from 'hono';
import type { AppEnv } from './context';

export interface NodeHandlerOptions {
  /**
   * Path the endpoint is mounted under, e.g. `/fv`: removed from the URL before routing.
   * Express's `app.use('/fv', …)` removes it already; leave this out there.
   */
  prefix?: string;
}

/** `(req, res, next?)`: answers requests under `prefix`, passes the rest to `next` (or 404s). */
export type NodeHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  next?: (error?: unknown) => void,
) => void;

/**
 * A handler for an existing Node server. Mount it before any body parser: the endpoint reads the
 * raw body itself (sealed submissions are binary and size-limited).
 *
 *   http.createServer(nodeHandler(app, { prefix: '/fv' }))
 *   express().use('/fv', nodeHandler(app))
 *   fastify.all('/fv/*', (req, reply) => { reply.hijack(); handler(req.raw, reply.raw); })
 */
export function nodeHandler(app: Hono<AppEnv>, options: NodeHandlerOptions = {}): NodeHandler {
  const listener = getRequestListener(app.fetch);
  const prefix = options.prefix?.replace(/\/+$/, '') ?? '';
  return (req, res, next) => {
    const url = req.url ?? '/';
    if (prefix) {
      const rest = url.slice(prefix.length);
      if (!url.startsWith(prefix) || (rest !== '' && !/^[/?]/.test(rest))) {
        if (next) next();
        else res.writeHead(404).end();
        return;
      }
      req.url = rest.startsWith('/') ? rest : `/${rest}`;
    }
    listener(req, res).catch((error: unknown) => {
      if (next) next(error);
      else if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  };
}
