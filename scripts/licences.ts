// Prints the licence of every direct dependency (from its installed package.json), so the
// README's licence table can be checked against what npm actually installed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

interface PackageJson {
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  version?: string;
  license?: string | { type: string };
}

const root = JSON.parse(readFileSync('package.json', 'utf8')) as PackageJson;
const rows: string[] = [];
for (const [group, deps] of [
  ['runtime', root.dependencies ?? {}],
  ['dev', root.devDependencies ?? {}],
  ['optional peer', root.peerDependencies ?? {}],
] as const) {
  for (const name of Object.keys(deps).sort()) {
    const pkg = JSON.parse(
      readFileSync(join('node_modules', name, 'package.json'), 'utf8'),
    ) as PackageJson;
    const licence = typeof pkg.license === 'object' ? pkg.license.type : (pkg.license ?? '?');
    rows.push(`| ${name} | ${pkg.version ?? '?'} | ${licence} | ${group} |`);
  }
}
console.log('| package | version | licence | use |\n|---|---|---|---|\n' + rows.join('\n'));
