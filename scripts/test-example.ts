// `npm run test:example`: the package as an integrator gets it. Packs this repository, installs
// the tarball into a temporary copy of examples/host-app, and there runs every command of the
// README's "Use it in your app": `face-verify assets`, `doctor`, `vite build` with
// `face-verify/vite`, `face-verify serve` and the example's own Playwright test, which imports
// `face-verify/testing` from node_modules and enrols then verifies with the puppet camera;
// then `keys rotate`, `retention --once` and `doctor` on the data `serve` left.
//
// face-verify itself comes only from the tarball. Its dependencies (and the example's
// dev dependencies) are linked from this repository's node_modules, the same versions the lock
// file pins, instead of a registry install: offline, seconds instead of minutes, and no native
// rebuild of better-sqlite3. Only the packages the tarball's package.json and the example's
// package.json declare (and what those need) are linked, so an undeclared import still fails.
//
//   npm run test:example [-- --keep]     --keep leaves the temporary app for a look
import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REPO_MODULES = join(REPO, 'node_modules');
const EXAMPLE = join(REPO, 'examples', 'host-app');

interface PackageJson {
  name: string;
  bin?: string | Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const readPkg = (dir: string): PackageJson =>
  JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson;

function step(title: string, cmd: string, args: string[], cwd: string): string {
  console.log(`\n▶ ${title}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  process.stdout.write(r.stdout ?? '');
  if (r.status !== 0) throw new Error(`${title} failed (exit ${r.status ?? r.signal})`);
  return r.stdout ?? '';
}

/** Names to link: the roots plus everything they depend on, as installed in the repository. */
function closure(roots: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length) {
    const name = queue.pop()!;
    if (seen.has(name) || !existsSync(join(REPO_MODULES, name, 'package.json'))) continue;
    seen.add(name);
    const p = readPkg(join(REPO_MODULES, name));
    queue.push(
      ...Object.keys({ ...p.dependencies, ...p.optionalDependencies, ...p.peerDependencies }),
    );
  }
  return seen;
}

function linkBins(modules: string, name: string): void {
  const p = readPkg(join(modules, name));
  const bins = typeof p.bin === 'string' ? { [name.split('/').pop()!]: p.bin } : (p.bin ?? {});
  const binDir = join(modules, '.bin');
  mkdirSync(binDir, { recursive: true });
  for (const [bin, file] of Object.entries(bins)) {
    const link = join(binDir, bin);
    if (!existsSync(link)) symlinkSync(relative(binDir, join(modules, name, file)), link);
  }
}

const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'fv-example-'));
const started = Date.now();
let ok = false;
try {
  // 1. The tarball (`prepack` builds dist/ first), as `npm publish` would upload it.
  const packed = step('pack', 'npm', ['pack', '--silent', '--pack-destination', work], REPO);
  const tarball = join(work, packed.trim().split('\n').pop()!);
  const app = join(work, 'host-app');
  cpSync(EXAMPLE, app, {
    recursive: true,
    filter: (src) => !/[/\\](node_modules|dist|data|public|test-results|\.cache)$/.test(src),
  });

  // 2. "npm install": face-verify unpacked from the tarball, its dependencies linked.
  const modules = join(app, 'node_modules');
  const fvDir = join(modules, 'face-verify');
  mkdirSync(fvDir, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', fvDir, '--strip-components=1']);
  const fv = readPkg(fvDir);
  const example = readPkg(app);
  const wanted = closure([
    ...Object.keys({ ...fv.dependencies, ...fv.optionalDependencies }),
    // Optional peers: the example installs the ones it uses (vite, @playwright/test, face-api).
    ...Object.keys({ ...example.dependencies, ...example.devDependencies }).filter(
      (n) => n !== 'face-verify',
    ),
  ]);
  for (const name of wanted) {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(join(REPO_MODULES, name), join(modules, name), 'dir');
  }
  for (const name of [...wanted, 'face-verify']) linkBins(modules, name);
  console.log(`installed face-verify from ${tarball} + ${wanted.size} linked dependencies`);

  // 3. The README's commands, in the example app.
  step('assets', 'npx', ['face-verify', 'assets', 'static'], app);
  step(
    'doctor',
    'npx',
    ['face-verify', 'doctor', '--assets', 'static', '--endpoint', 'http://127.0.0.1:8797'],
    app,
  );
  step('build', 'npx', ['vite', 'build'], app);
  if (!existsSync(join(app, 'dist', 'models', 'manifest.json'))) {
    throw new Error('face-verify/vite did not emit models/ into the build');
  }
  step('playwright', 'npx', ['playwright', 'test'], app);
  // The operator's jobs, on the data directory `serve` created during the test.
  step('keys', 'npx', ['face-verify', 'keys', 'rotate'], app);
  step('retention', 'npx', ['face-verify', 'retention', '--once'], app);
  const doctor = step('doctor', 'npx', ['face-verify', 'doctor', '--assets', 'dist'], app);
  if (!/^ok +store sqlite:data\/face-verify\.db opens and reads$/m.test(doctor)) {
    throw new Error('doctor did not find the store `serve` created');
  }
  ok = true;
  console.log(`\nexample app green in ${((Date.now() - started) / 1000).toFixed(0)} s`);
} finally {
  if (keep || !ok) console.log(`temporary app kept in ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
