// Secrets the standalone endpoint keeps in its data directory when the environment does not
// give them: created once, 0600, never printed (only where they are).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const GRANT_SECRET_FILE = 'grant-secret';

/** Reads `<dataDir>/<name>`, creating it with 32 random bytes (base64url, 43 chars) if absent. */
export function fileSecret(
  dataDir: string,
  name: string,
): { value: string; file: string; created: boolean } {
  const file = join(dataDir, name);
  const created = !existsSync(file);
  if (created) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url') + '\n', { mode: 0o600, flag: 'wx' });
  }
  return { value: readFileSync(file, 'utf8').trim(), file, created };
}

/** True when group or others may read the file (POSIX only; Windows has no mode bits here). */
export function tooOpen(file: string): boolean {
  return process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0;
}
