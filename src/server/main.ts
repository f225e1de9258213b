// Node entry of the endpoint. `startServer()` is what `npm start` (scripts/start.ts) and the
// benchmark call; running this file directly starts it from the environment:
//   FV_PORT (8787), FV_HOST (127.0.0.1), FV_DATA_DIR (./data), FV_STORE, FV_ORIGINS, ...
// First start generates ./data/server-keys.json, ./data/data-key.json and ./data/operator-key.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import type { Hono } from 'hono';
import { createApp } from './app';
import { configFromEnv, defaultConfig, type ServerConfig } from './config';
import type { AppEnv } from './context';
import { ServerKeys } from './keys';
import { jsonLogger, type Logger } from './logging';
import { startRetention, type RetentionJob } from './retention';
import { openStore } from './store/open';
import type { Store } from './store/types';

export interface StartOptions {
  port?: number;
  host?: string;
  dataDir?: string;
  env?: Record<string, string | undefined>;
  logger?: Logger;
  /** Mount more routes (e.g. the demo's static files) after the API routes. */
  mount?: (app: Hono<AppEnv>) => void;
  /** Run the retention job (default true). */
  retention?: boolean;
  configOverrides?: Partial<ServerConfig>;
}

export interface RunningServer {
  url: string;
  port: number;
  operatorKeyFile: string | null;
  /** The secret host backends mint grants with (FV_GRANT_SECRET or the data dir's file). */
  grantSecret: string;
  grantSecretFile: string | null;
  config: ServerConfig;
  store: Store;
  close(): Promise<void>;
}

/** A random secret in `dataDir/name`, created once (directory 0700, file 0600). */
function secretFile(dataDir: string, name: string): { value: string; file: string } {
  const file = join(dataDir, name);
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(32).toString('base64url') + '\n', { mode: 0o600 });
  }
  return { value: readFileSync(file, 'utf8').trim(), file };
}

/** The operator key from FV_OPERATOR_KEY, else the data dir's key file. */
function operatorKey(
  env: StartOptions['env'],
  dataDir: string,
): { key: string; file: string | null } {
  if (env?.['FV_OPERATOR_KEY']) return { key: env['FV_OPERATOR_KEY'], file: null };
  const { value, file } = secretFile(dataDir, 'operator-key');
  return { key: value, file };
}

/** The host-grant secret from FV_GRANT_SECRET (configFromEnv reads it), else the data dir's file. */
function grantSecret(
  env: StartOptions['env'],
  dataDir: string,
): { secrets: string[] | null; file: string | null } {
  if (env?.['FV_GRANT_SECRET']) return { secrets: null, file: null };
  const { value, file } = secretFile(dataDir, 'grant-secret');
  return { secrets: [value], file };
}

export async function startServer(o: StartOptions = {}): Promise<RunningServer> {
  const env = o.env ?? process.env;
  const port = o.port ?? Number(env['FV_PORT'] ?? 8787);
  const host = o.host ?? env['FV_HOST'] ?? '127.0.0.1';
  const dataDir = o.dataDir ?? env['FV_DATA_DIR'] ?? './data';
  const logger = o.logger ?? jsonLogger();
  const op = operatorKey(env, dataDir);
  const grant = grantSecret(env, dataDir);
  const sameOrigin = [`http://localhost:${port}`, `http://127.0.0.1:${port}`];
  const base = defaultConfig({
    operatorKey: op.key,
    ...(grant.secrets ? { grantSecrets: grant.secrets } : {}),
    origins: [...new Set([...defaultConfig().origins, ...sameOrigin])],
  });
  const config = { ...configFromEnv(env, base), ...o.configOverrides };
  const storeUrl = env['FV_STORE'] ?? `sqlite:${join(dataDir, 'face-verify.db')}`;
  const store = await openStore({ url: storeUrl, dataDir, env });
  const keys = await ServerKeys.open(join(dataDir, 'server-keys.json'), Date.now());
  if (config.openSessions) {
    logger.log('warn', 'open_sessions', {
      message:
        'FV_OPEN_SESSIONS is on: ANY caller may open sessions without a host grant. Development only.',
    });
  }
  const app = createApp({ store, keys, config, logger });
  o.mount?.(app);
  let retention: RetentionJob | null = null;
  if (o.retention ?? true) {
    retention = startRetention({
      store,
      onRun: (counts) => logger.log('info', 'retention', { ...counts }),
      onError: (e) => logger.log('error', 'retention_failed', { name: (e as Error).name }),
    });
  }
  // Pick up key rotations made by other processes/instances sharing the key file.
  const keyReload = setInterval(() => {
    keys.reloadIfChanged().catch(() => logger.log('error', 'key_reload_failed'));
  }, 30_000);
  keyReload.unref();
  const server = serve({ fetch: app.fetch, port, hostname: host });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  // Load the 1:N indexes now, not in the first identify (seconds for 100 000 templates).
  // In the background: the other routes need no index.
  for (const modelId of config.modelIds) {
    store.warmIdentify(modelId).catch(() => logger.log('error', 'index_warm_failed'));
  }
  const actual = (server.address() as AddressInfo).port;
  const url = `http://${host}:${actual}`;
  logger.log('info', 'listening', { url, store: store.kind, origins: config.origins.length });
  return {
    url,
    port: actual,
    operatorKeyFile: op.file,
    grantSecret: config.grantSecrets[0] ?? '',
    grantSecretFile: grant.file,
    config,
    store,
    async close() {
      clearInterval(keyReload);
      await retention?.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const running = await startServer();
  const stop = () => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
