// `face-verify doctor`: checks what a deployment gets wrong most (keys, store, origins, assets)
// and prints the CSP the host page needs. Reads only: creates no key, database or file.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { listPackageAssets, readVerified, type PackageAsset } from '../assets/package-assets';
import { configFromEnv, defaultConfig } from '../server/config';
import { MIN_GRANT_SECRET_LENGTH } from '../server/grants';
import { openStore } from '../server/store/open';
import { GRANT_SECRET_FILE, tooOpen } from './secrets';

type Level = 'ok' | 'warn' | 'fail';
interface Finding {
  level: Level;
  what: string;
}

/** The policy the README's "CSP a host page needs" describes, for this endpoint. */
export function pageCsp(endpointOrigin: string | null): string {
  const connect = ["'self'", ...(endpointOrigin ? [endpointOrigin] : [])].join(' ');
  return [
    `Content-Security-Policy: default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; ` +
      `worker-src 'self' blob:; connect-src ${connect}; img-src 'self' blob: data:; ` +
      `media-src 'self' blob: mediastream:; style-src 'self' 'unsafe-inline'`,
    'Cross-Origin-Opener-Policy: same-origin',
    'Cross-Origin-Embedder-Policy: require-corp      (optional: enables WASM threads)',
    'Permissions-Policy: camera=(self)               (iframes: allow="camera")',
  ].join('\n');
}

function secretFile(label: string, file: string, missing: Finding): Finding[] {
  if (!existsSync(file)) return [missing];
  if (tooOpen(file))
    return [{ level: 'fail', what: `${label} ${file} is readable by others (chmod 600)` }];
  return [{ level: 'ok', what: `${label}: ${file} (0600)` }];
}

function checkKeys(dataDir: string, env: NodeJS.ProcessEnv): Finding[] {
  const out: Finding[] = [];
  out.push(
    ...secretFile('server keys', join(dataDir, 'server-keys.json'), {
      level: 'warn',
      what: `no ${join(dataDir, 'server-keys.json')} yet (serve creates it)`,
    }),
  );
  if (env['FV_OPERATOR_KEY']) out.push({ level: 'ok', what: 'operator key: FV_OPERATOR_KEY' });
  else
    out.push(
      ...secretFile('operator key', join(dataDir, 'operator-key'), {
        level: 'warn',
        what: 'no operator key yet (serve creates one)',
      }),
    );
  const grant = env['FV_GRANT_SECRET'];
  if (env['FV_OPEN_SESSIONS'] === 'true') {
    out.push({
      level: 'warn',
      what: 'FV_OPEN_SESSIONS=true: anyone may open a session (no grants)',
    });
  } else if (grant !== undefined) {
    out.push(
      grant.length >= MIN_GRANT_SECRET_LENGTH
        ? { level: 'ok', what: 'grant secret: FV_GRANT_SECRET' }
        : {
            level: 'fail',
            what: `FV_GRANT_SECRET is shorter than ${MIN_GRANT_SECRET_LENGTH} characters`,
          },
    );
  } else {
    out.push(
      ...secretFile('grant secret', join(dataDir, GRANT_SECRET_FILE), {
        level: 'warn',
        what: 'no grant secret yet (serve creates one; your backend needs it to mint grants)',
      }),
    );
  }
  return out;
}

async function checkStore(dataDir: string, env: NodeJS.ProcessEnv): Promise<Finding[]> {
  const url = env['FV_STORE'] ?? `sqlite:${join(dataDir, 'face-verify.db')}`;
  const shown = url.replace(/\/\/[^@/]*@/, '//…@'); // never print a password
  if (url.startsWith('sqlite:') && !existsSync(url.slice('sqlite:'.length))) {
    return [{ level: 'warn', what: `store ${shown} does not exist yet (serve creates it)` }];
  }
  try {
    const store = await openStore({ url, dataDir, env });
    try {
      await store.listSubjects({ limit: 1 });
    } finally {
      await store.close();
    }
    return [{ level: 'ok', what: `store ${shown} opens and reads` }];
  } catch (e) {
    return [{ level: 'fail', what: `store ${shown}: ${(e as Error).message}` }];
  }
}

function checkOrigins(env: NodeJS.ProcessEnv): Finding[] {
  if (!env['FV_ORIGINS']) {
    return [
      { level: 'warn', what: 'FV_ORIGINS is not set: only the localhost dev origins may call' },
    ];
  }
  const origins = configFromEnv(env, defaultConfig({ modelIds: [] })).origins;
  return origins.map((o): Finding => {
    let url: URL | null = null;
    try {
      url = new URL(o);
    } catch {
      // reported below
    }
    if (!url || url.origin !== o)
      return { level: 'fail', what: `origin "${o}" is not an origin (scheme://host[:port])` };
    const local = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    if (url.protocol !== 'https:' && !local) {
      return { level: 'fail', what: `origin ${o}: the camera needs https outside localhost` };
    }
    return { level: 'ok', what: `origin ${o}` };
  });
}

function checkAssets(dir: string | undefined): Finding[] {
  let assets: PackageAsset[];
  try {
    assets = listPackageAssets();
  } catch (e) {
    return [{ level: 'fail', what: `package assets: ${(e as Error).message}` }];
  }
  const bad: string[] = [];
  for (const a of assets) {
    try {
      readVerified(dir ? { ...a, file: join(dir, a.path) } : a);
    } catch (e) {
      bad.push((e as Error).message);
    }
  }
  const where = dir ?? 'the installed package';
  return bad.length
    ? bad.map((b) => ({ level: 'fail' as const, what: `assets in ${where}: ${b}` }))
    : [{ level: 'ok', what: `assets in ${where}: ${assets.length} files match the manifest` }];
}

export async function doctorCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      assets: { type: 'string' },
      endpoint: { type: 'string' },
    },
  });
  const dataDir = values['data-dir'] ?? env['FV_DATA_DIR'] ?? './data';
  const findings = [
    ...checkKeys(dataDir, env),
    ...(await checkStore(dataDir, env)),
    ...checkOrigins(env),
    ...checkAssets(values.assets),
  ];
  for (const f of findings) console.log(`${f.level.padEnd(4)}  ${f.what}`);
  const endpoint = values.endpoint ?? env['FV_PUBLIC_URL'];
  console.log(`\nThe page that embeds <face-verify> needs (serve these headers with it):\n`);
  console.log(pageCsp(endpoint ? new URL(endpoint).origin : null));
  if (!endpoint) console.log('\n(pass --endpoint https://… to add the endpoint to connect-src)');
  return findings.some((f) => f.level === 'fail') ? 1 : 0;
}
