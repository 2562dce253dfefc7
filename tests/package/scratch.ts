// The package test's scratch project: `npm pack` of this repository (its prepack builds
// client/dist), installed from the tarball into a fresh directory outside the repo, as a
// user's project would install it, with the README's examples written out as files.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const repoPackage = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as {
  name: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

export interface Scratch {
  readonly dir: string;
  readonly tarball: string;
  /** the files the tarball holds, without the leading package/ */
  readonly files: readonly string[];
  readonly packMs: number;
  readonly installMs: number;
}

const npm = (args: string[], cwd: string) =>
  execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false' } });

/** The README's code block that starts with `// <name>`, exactly as written. */
export function readmeExample(name: string): string {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const start = readme.indexOf('```js\n// ' + name + '\n');
  if (start < 0) throw new Error(`README.md has no \`\`\`js block starting with // ${name}`);
  const body = readme.slice(start + '```js\n'.length);
  return body.slice(0, body.indexOf('```'));
}

export function packAndInstall(): Scratch {
  const dir = mkdtempSync(join(tmpdir(), 'bitstream-package-'));
  let t = performance.now();
  const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], REPO)) as { filename: string; files: { path: string }[] }[];
  const packMs = performance.now() - t;
  const tarball = join(dir, packed[0]!.filename);
  const project = join(dir, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({
    name: 'scratch-dapp', private: true, type: 'module',
    dependencies: {
      [repoPackage.name]: `file:${tarball}`,
      // what the README's install line adds: the network for the example, the simnet for the local chain
      '@stacks/network': repoPackage.dependencies['@stacks/network'],
      '@stacks/clarinet-sdk': repoPackage.devDependencies['@stacks/clarinet-sdk'],
    },
  }, null, 2));
  t = performance.now();
  // From npm's cache (filled by this machine's npm ci), without install scripts: the one
  // script that matters, better-sqlite3's, compiles SQLite for two minutes on a machine
  // without its prebuilt download. The repository's copy of that same version, built on
  // this machine, is put where the script would have left it; the test is of our package.
  npm(['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], project);
  const addon = join('node_modules', 'better-sqlite3', 'build', 'Release');
  mkdirSync(join(project, addon), { recursive: true });
  copyFileSync(join(REPO, addon, 'better_sqlite3.node'), join(project, addon, 'better_sqlite3.node'));
  const installMs = performance.now() - t;
  return { dir: project, tarball, files: packed[0]!.files.map((f) => f.path), packMs, installMs };
}

/** Every file under `dir`, relative to it. */
export function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(dir, join(prefix, e.name)) : [join(prefix, e.name)]);
}
