// The package's version: written into the bundles at build time (scripts/bundle.mjs defines
// __PACKAGE_VERSION__, so a start reads no package.json for it), read from package.json where the
// sources run unbundled (the tests, dist/'s modules), one folder below the package.
import { readFileSync } from 'node:fs';

declare const __PACKAGE_VERSION__: string | undefined;

export function packageVersion(): string {
  if (typeof __PACKAGE_VERSION__ === 'string') return __PACKAGE_VERSION__;
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
