// Who may call a route, as middleware: a route states it in one line
// (`app.get('/subjects', operator, …)`). Per route rather than `use('*')` on a sub-app, because
// `app.route('/v1', sub)` would spread a sub-app's '*' middleware over every /v1 route.

import { createMiddleware } from 'hono/factory';
import { ProtocolError } from '../../protocol/errors';
import type { ServerConfig } from '../config';
import { isOperator, type AppEnv } from '../context';

/** Only the operator's backend (`Authorization: Bearer <operator key>`). */
export const operatorOnly = (config: ServerConfig) =>
  createMiddleware<AppEnv>(async (c, next) => {
    if (!isOperator(c, config)) throw new ProtocolError('unauthorized');
    await next();
  });
