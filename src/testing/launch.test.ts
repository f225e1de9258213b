// Which browser the tests launch, and the one line a machine without any gets.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { chromiumCandidates, chromiumPath } from './launch';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('chromiumPath', () => {
  it('takes FV_CHROMIUM (or PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH) as given, and nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fv-chromium-'));
    dirs.push(dir);
    const exe = join(dir, 'chrome');
    writeFileSync(exe, '');
    expect(chromiumPath({ FV_CHROMIUM: exe })).toBe(exe);
    expect(chromiumPath({ PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH: exe })).toBe(exe);
    expect(() => chromiumPath({ FV_CHROMIUM: join(dir, 'missing') })).toThrow(
      /missing does not exist \(FV_CHROMIUM\)/,
    );
  });

  it('looks at Debian, then Playwright-installed (newest first), then Chrome', () => {
    const cache = mkdtempSync(join(tmpdir(), 'fv-pw-'));
    dirs.push(cache);
    for (const rev of ['chromium-1100', 'chromium-1200', 'ffmpeg-1010']) {
      mkdirSync(join(cache, rev, 'chrome-linux'), { recursive: true });
    }
    const list = chromiumCandidates({ PLAYWRIGHT_BROWSERS_PATH: cache });
    expect(list[0]).toBe('/usr/bin/chromium');
    const pw = list.filter((p) => p.startsWith(cache));
    if (process.platform === 'linux') {
      expect(pw[0]).toBe(join(cache, 'chromium-1200', 'chrome-linux', 'chrome'));
      expect(list.indexOf(pw[0]!)).toBeLessThan(list.indexOf('/usr/bin/google-chrome'));
    }
    expect(pw.some((p) => p.includes('ffmpeg'))).toBe(false);
  });
});
