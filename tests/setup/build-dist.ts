// Vitest global setup: the node processes the e2e and browser tests start (`bitstream
// node start`, `tower start`) run the built client/dist instead of compiling the
// TypeScript sources at every start (about 2 s each, and the suite starts well over a
// hundred). The build is the package's own (client/tsconfig.build.json); it runs here
// whenever a source is newer than the last build, so a run never uses a stale dist/,
// and a failed build fails the run. BITSTREAM_RUN_DIST=0 runs the sources instead.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const STAMP = join(ROOT, 'client', 'dist', '.built');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : e.name.endsWith('.ts') ? statSync(p).mtimeMs : 0);
  }
  return newest;
}

export default function setup(): void {
  if (process.env['BITSTREAM_RUN_DIST'] === '0') return;
  const sources = Math.max(newestSource(join(ROOT, 'client', 'src')), statSync(join(ROOT, 'client', 'bin', 'bitstream.ts')).mtimeMs, statSync(join(ROOT, 'client', 'tsconfig.build.json')).mtimeMs);
  if (!existsSync(STAMP) || statSync(STAMP).mtimeMs < sources) {
    const started = Date.now();
    const r = spawnSync('npm', ['run', 'build'], { cwd: ROOT, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`npm run build failed, so the node processes have nothing to run:\n${r.stdout}\n${r.stderr}`);
    writeFileSync(STAMP, new Date().toISOString());
    console.info(`built client/dist for the node processes in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  // inherited by the test workers and every process they start
  process.env['BITSTREAM_RUN_DIST'] = '1';
}
