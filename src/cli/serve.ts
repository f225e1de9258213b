// `face-verify serve`: the standalone endpoint (SQLite in ./data, or FV_STORE=postgres://…).
import { parseArgs } from 'node:util';
import { startServer } from '../server/main';
import { fileSecret, GRANT_SECRET_FILE } from './secrets';

export async function serveCommand(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'data-dir': { type: 'string' },
      origins: { type: 'string' },
    },
  });
  const dataDir = values['data-dir'] ?? env['FV_DATA_DIR'] ?? './data';
  const serverEnv: NodeJS.ProcessEnv = { ...env };
  if (values.origins) serverEnv['FV_ORIGINS'] = values.origins;
  let grantFile: string | null = null;
  if (!env['FV_GRANT_SECRET'] && env['FV_OPEN_SESSIONS'] !== 'true') {
    // Like the operator key: one secret per data directory, shared with the host's backend.
    const secret = fileSecret(dataDir, GRANT_SECRET_FILE);
    serverEnv['FV_GRANT_SECRET'] = secret.value;
    grantFile = secret.file;
  }
  const running = await startServer({
    env: serverEnv,
    dataDir,
    ...(values.port ? { port: Number(values.port) } : {}),
    ...(values.host ? { host: values.host } : {}),
  });
  const lines = [
    `face-verify endpoint: ${running.url} (store: ${running.store.kind}, data: ${dataDir})`,
    running.operatorKeyFile ? `  operator key: ${running.operatorKeyFile}` : null,
    grantFile
      ? `  grant secret: ${grantFile} (give it to your backend as FV_GRANT_SECRET to mint grants)`
      : null,
    '  Ctrl-C stops it.',
  ];
  console.log(lines.filter((l) => l !== null).join('\n'));
  const stop = () => {
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
