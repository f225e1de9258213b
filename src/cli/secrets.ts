// Secret files `serve` keeps in its data directory (created 0600 by startServer); `doctor`
// checks that nobody else can read them.
import { statSync } from 'node:fs';

export const GRANT_SECRET_FILE = 'grant-secret';

/** True when group or others may read the file (POSIX only; Windows has no mode bits here). */
export function tooOpen(file: string): boolean {
  return process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0;
}
