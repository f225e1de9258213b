// `face-verify keys rotate` and `face-verify retention --once`: the operator's jobs, run against
// the same data directory / store as `serve` (a running endpoint picks a rotation up within 30 s).
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ServerKeys } from '../server/keys';
import { defaultConfig } from '../server/config';
import { startRetention } from '../server/retention';
import { openStore } from '../server/store/open';
import { UsageError } from './usage';

const dataDirOf = (args: string[], env: NodeJS.ProcessEnv): { dataDir: string; rest: string[] } => {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'data-dir': { type: 'string' }, once: { type: 'boolean' } },
  });
  return { dataDir: values['data-dir'] ?? env['FV_DATA_DIR'] ?? './data', rest: positionals };
};

export async function keysCommand(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const { dataDir, rest } = dataDirOf(args, env);
  if (rest[0] !== 'rotate') throw new UsageError('keys: the only action is `keys rotate`');
  const keys = await ServerKeys.open(join(dataDir, 'server-keys.json'), Date.now());
  const keyId = await keys.rotate(Date.now(), defaultConfig({ modelIds: [] }).keyGraceMs);
  console.log(`new HPKE key ${keyId}; the previous key decrypts for 24 h more`);
}

export async function retentionCommand(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  if (!args.includes('--once')) {
    throw new UsageError('retention: pass --once (`serve` runs it hourly by itself)');
  }
  const { dataDir } = dataDirOf(args, env);
  const url = env['FV_STORE'] ?? `sqlite:${join(dataDir, 'face-verify.db')}`;
  const store = await openStore({ url, dataDir, env });
  try {
    const job = startRetention({ store, runOnStart: false });
    const counts = await job.runOnce();
    await job.stop();
    console.log(`retention: ${JSON.stringify(counts)}`);
  } finally {
    await store.close();
  }
}
