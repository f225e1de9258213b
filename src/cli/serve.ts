// `face-verify serve`: the standalone endpoint (SQLite in ./data, or FV_STORE=postgres://…).
import { parseArgs } from 'node:util';
import { startServer } from '../server/main';

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
  const running = await startServer({
    env: serverEnv,
    dataDir,
    ...(values.port ? { port: Number(values.port) } : {}),
    ...(values.host ? { host: values.host } : {}),
  });
  const lines = [
    `face-verify endpoint: ${running.url} (store: ${running.store.kind}, data: ${dataDir})`,
    running.operatorKeyFile ? `  operator key: ${running.operatorKeyFile}` : null,
    running.config.openSessions
      ? '  FV_OPEN_SESSIONS=true: no grant needed to open a session (development only)'
      : running.grantSecretFile
        ? `  grant secret: ${running.grantSecretFile} (your backend mints grants with it: FV_GRANT_SECRET)`
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
