// The service itself (mounted on /v1): health and public keys for anyone; key rotation and the
// call log for the operator.

import { Hono } from 'hono';
import { intQuery, type AppDeps, type AppEnv } from '../context';
import { operatorOnly } from './guards';

export function serviceRoutes(d: AppDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const operator = operatorOnly(d.config);

  app.get('/health', (c) => c.json({ ok: true }));

  app.get('/keys', (c) => {
    const k = d.keys.current();
    return c.json({
      hpke: { keyId: k.keyId, publicKey: Buffer.from(k.publicKeyRaw).toString('base64url') },
      receipts: d.keys.signingPublic(),
      modelIds: d.config.modelIds,
    });
  });

  app.post('/keys/rotate', operator, async (c) => {
    const keyId = await d.keys.rotate(d.now(), d.config.keyGraceMs);
    return c.json({ keyId });
  });

  app.get('/calls', operator, async (c) => {
    const since = intQuery(c, 'since', 0, 0, Number.MAX_SAFE_INTEGER);
    const limit = intQuery(c, 'limit', 100, 1, 10_000);
    return c.json({ calls: await d.store.listCalls({ since, limit }) });
  });

  return app;
}
