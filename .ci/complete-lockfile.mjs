// Completes package-lock.json after `npm install` on a machine whose registry cannot serve
// other platforms' builds of optional packages (rollup's and esbuild's native binaries):
// npm then leaves their entries out and `npm ci` refuses the lockfile (npm/cli#4828,
// #9846). Adding the entries lets `npm ci` accept it; on each platform npm installs only
// the build that fits. Run: node .ci/complete-lockfile.mjs (after any npm install).
import { readFileSync, writeFileSync } from 'node:fs';
const path = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(readFileSync(path, 'utf8'));
const pkgs = lock.packages;
let added = 0;
for (const [loc, meta] of Object.entries(pkgs)) {
  for (const [name, range] of Object.entries(meta.optionalDependencies ?? {})) {
    // resolution: nested first, then hoisted
    const nested = `${loc ? loc + '/' : ''}node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    const version = range.replace(/^[\^~=]/, '');
    if (pkgs[nested]) continue;
    if (pkgs[hoisted] && (pkgs[hoisted].version === version || !loc)) continue;
    // a hoisted copy of another version: this one belongs beside its parent
    const at = pkgs[hoisted] ? nested : hoisted;
    pkgs[at] = { version, ...(meta.dev ? { dev: true } : {}), optional: true };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(path, JSON.stringify(lock, null, 2) + '\n');
console.log(`added ${added} optional entries`);
