// Chromium launch settings for camera tests: which browser, fake media devices, no prompts.
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Flags for a quiet headless Chromium: no sandbox (containers), no background traffic. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

const INSTALL_HINT =
  'no Chromium found: install one (Debian/Ubuntu `sudo apt-get install chromium`, or ' +
  '`npx playwright install chromium`) or set FV_CHROMIUM=/path/to/chromium';

/** Browsers `npx playwright install chromium` leaves in its cache, newest revision first. */
function playwrightBrowsers(env: NodeJS.ProcessEnv): string[] {
  const cache =
    env['PLAYWRIGHT_BROWSERS_PATH'] ??
    (process.platform === 'darwin'
      ? join(homedir(), 'Library', 'Caches', 'ms-playwright')
      : process.platform === 'win32'
        ? join(env['LOCALAPPDATA'] ?? homedir(), 'ms-playwright')
        : join(homedir(), '.cache', 'ms-playwright'));
  const inside =
    process.platform === 'darwin'
      ? ['chrome-mac/Chromium.app/Contents/MacOS/Chromium']
      : process.platform === 'win32'
        ? ['chrome-win/chrome.exe', 'chrome-win64/chrome.exe']
        : ['chrome-linux/chrome', 'chrome-linux64/chrome'];
  let revisions: string[] = [];
  try {
    revisions = readdirSync(cache)
      .filter((d) => /^chromium-\d+$/.test(d))
      .sort((a, b) => Number(b.slice(9)) - Number(a.slice(9)));
  } catch {
    return [];
  }
  return revisions.flatMap((r) => inside.map((p) => join(cache, r, p)));
}

const INSTALLED_CHROME: Partial<Record<NodeJS.Platform, string[]>> = {
  linux: ['/usr/bin/google-chrome', '/usr/bin/google-chrome-stable', '/opt/google/chrome/chrome'],
  darwin: ['/Applications/Google Chrome.app/Contents/MacOS/Google Chrome'],
  win32: ['C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe'],
};

/** Every place a browser is looked for, in order (the first that exists wins). */
export function chromiumCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const explicit = env['FV_CHROMIUM'] ?? env['PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH'];
  // An explicit choice is never second-guessed: a wrong path must fail, not fall through.
  if (explicit) return [explicit];
  return [
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    ...playwrightBrowsers(env),
    ...(INSTALLED_CHROME[process.platform] ?? []),
  ];
}

/**
 * The browser to launch: `FV_CHROMIUM` / `PLAYWRIGHT_CHROMIUM_EXECUTABLE_PATH`, then Debian's
 * `/usr/bin/chromium`, then a Playwright-installed Chromium, then an installed Chrome. Throws one
 * line saying how to install one when there is none.
 */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = chromiumCandidates(env);
  const found = candidates.find((p) => existsSync(p));
  if (found) return found;
  if (candidates.length === 1) throw new Error(`${candidates[0]} does not exist (FV_CHROMIUM)`);
  throw new Error(INSTALL_HINT);
}

export interface LaunchOptions {
  /** A .y4m or .mjpeg clip for Chromium's own fake camera (loops; restarts at each open). */
  clip?: string;
  /** Offer a WebGPU adapter (SwiftShader here: correct but slow, for forced-backend tests). */
  webgpu?: boolean;
  /** Leave out the fake device: the browser then has no camera at all. */
  noCamera?: boolean;
}

/** Arguments for `chromium.launch({ args })`. */
export function launchArgs(o: LaunchOptions = {}): string[] {
  const args = [
    ...chromiumArgs,
    '--use-fake-ui-for-media-stream',
    '--autoplay-policy=no-user-gesture-required',
  ];
  if (!o.noCamera) args.push('--use-fake-device-for-media-stream');
  if (o.clip) args.push(`--use-file-for-fake-video-capture=${o.clip}`);
  if (o.webgpu)
    args.push(
      '--enable-unsafe-webgpu',
      '--use-webgpu-adapter=swiftshader',
      '--enable-features=Vulkan',
    );
  return args;
}
