// Starts a real, throw-away PostgreSQL server for tests: initdb into a temporary directory,
// postgres listening only on a unix socket inside that directory (no TCP port to collide
// on), trust auth, fsync off. PostgreSQL refuses to run as root, so under uid 0 the server
// runs as an unprivileged user (FV_TEST_PG_USER, else `postgres` if it exists, else `nobody`)
// via setpriv.
// Any failure throws with the server's own output so a broken CI setup is loud, not skipped.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PgServer {
  /** Connection string of the `postgres` database (superuser `postgres`, trust auth). */
  url: string;
  /** Creates a fresh empty database and returns its connection string. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

const PORT = 5432; // only names the socket file; the directory is private to this server

function findBin(): string {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv !== undefined && existsSync(join(fromEnv, 'postgres'))) return fromEnv;
  const root = '/usr/lib/postgresql';
  if (existsSync(root)) {
    const versions = readdirSync(root)
      .filter((v) => existsSync(join(root, v, 'bin', 'postgres')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0] !== undefined) return join(root, versions[0], 'bin');
  }
  const which = spawnSync('sh', ['-c', 'command -v postgres'], { encoding: 'utf8' });
  const found = which.stdout.trim();
  if (which.status === 0 && found !== '') return join(found, '..');
  throw new Error(
    'PostgreSQL server binaries not found (looked in $PG_BIN, /usr/lib/postgresql/*/bin, PATH). ' +
      'Install the Debian "postgresql" package (.ci/run does).',
  );
}

/** uid/gid to run as, or null when we are not root. */
function unprivilegedUser(): { uid: number; gid: number; name: string } | null {
  if (process.getuid?.() !== 0) return null;
  const preferred = process.env.FV_TEST_PG_USER;
  for (const name of preferred ? [preferred] : ['postgres', 'nobody']) {
    const r = spawnSync('id', ['-u', name], { encoding: 'utf8' });
    const g = spawnSync('id', ['-g', name], { encoding: 'utf8' });
    if (r.status === 0 && g.status === 0) {
      return { uid: Number(r.stdout.trim()), gid: Number(g.stdout.trim()), name };
    }
  }
  throw new Error(
    `running as root and no unprivileged user to run PostgreSQL as (tried ${preferred ?? 'postgres, nobody'})`,
  );
}

function asUser(
  user: { uid: number; gid: number } | null,
  cmd: string,
  args: string[],
): [string, string[]] {
  if (user === null) return [cmd, args];
  return [
    'setpriv',
    [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--', cmd, ...args],
  ];
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path)) chownTree(join(path, entry), uid, gid);
  }
}

export async function startPgServer(): Promise<PgServer> {
  const bin = findBin();
  const user = unprivilegedUser();
  // Short base path (unix socket paths are limited to ~107 bytes). Under root use /tmp: a
  // TMPDIR below /root would not be traversable by the unprivileged server user.
  const base = user === null && tmpdir().length < 60 ? tmpdir() : '/tmp';
  const dir = mkdtempSync(join(base, 'fv-pg-'));
  const data = join(dir, 'data');
  if (user !== null) chownTree(dir, user.uid, user.gid);
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C', HOME: dir };

  const [initCmd, initArgs] = asUser(user, join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'postgres',
    '-A',
    'trust',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8', env, cwd: dir });
  if (init.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `initdb failed (exit ${init.status ?? init.signal}${user ? `, as user ${user.name}` : ''}): ` +
        `${init.error?.message ?? ''}${init.stderr}${init.stdout}`.slice(0, 4000),
    );
  }

  const [cmd, args] = asUser(user, join(bin, 'postgres'), [
    '-D',
    data,
    '-k',
    dir,
    '-p',
    String(PORT),
    '-c',
    'listen_addresses=',
    '-c',
    'fsync=off',
    '-c',
    'synchronous_commit=off',
    '-c',
    'full_page_writes=off',
    '-c',
    'max_connections=100',
  ]);
  // setpriv execs postgres in place, so child.pid is the postmaster itself.
  const child = spawn(cmd, args, { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const collect = (b: Buffer): void => {
    log = (log + b.toString()).slice(-8000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const url = `postgresql://postgres@/postgres?host=${encodeURIComponent(dir)}&port=${PORT}`;
  const cleanup = async (signal: NodeJS.Signals): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal); // SIGINT = fast shutdown
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    await waitReady(url, child, () => log);
  } catch (e) {
    await cleanup('SIGKILL');
    throw e;
  }

  return {
    url,
    async createDatabase(name: string): Promise<string> {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`bad database name ${name}`);
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8'`);
      } finally {
        await c.end();
      }
      return url.replace('/postgres?', `/${name}?`);
    },
    stop: () => cleanup('SIGINT'),
  };
}

async function waitReady(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `postgres exited during start-up (${child.exitCode ?? child.signalCode}):\n${log()}`,
      );
    }
    const c = new pg.Client({ connectionString: url });
    c.on('error', () => {});
    try {
      await c.connect();
      await c.query('SELECT 1');
      await c.end();
      return;
    } catch {
      await c.end().catch(() => {});
    }
    if (Date.now() > deadline)
      throw new Error(`postgres did not accept connections in 30 s:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
