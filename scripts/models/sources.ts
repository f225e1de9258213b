// Locates the npm packages the models and runtimes come from, without importing them.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export class BuildModelsError extends Error {
  override name = 'BuildModelsError';
}

export interface SourcePackage {
  name: string;
  version: string;
  licence: string;
  dir: string;
  /** `name@version`, as recorded in the manifest. */
  spec: string;
}

export function findPackage(nodeModules: string, name: string): SourcePackage {
  const dir = join(nodeModules, ...name.split('/'));
  const pkgJson = join(dir, 'package.json');
  if (!existsSync(pkgJson)) {
    throw new BuildModelsError(
      `source package ${name} is missing (looked in ${dir}); run \`npm install\` so it is present`,
    );
  }
  const pkg = JSON.parse(readFileSync(pkgJson, 'utf8')) as { version?: string; license?: string };
  if (!pkg.version) throw new BuildModelsError(`${pkgJson} has no version`);
  return {
    name,
    version: pkg.version,
    licence: pkg.license ?? 'UNKNOWN',
    dir,
    spec: `${name}@${pkg.version}`,
  };
}

export function readSourceFile(pkg: SourcePackage, file: string): Uint8Array {
  const path = join(pkg.dir, file);
  if (!existsSync(path)) {
    throw new BuildModelsError(`${pkg.spec} does not contain ${file} (expected at ${path})`);
  }
  return new Uint8Array(readFileSync(path));
}
