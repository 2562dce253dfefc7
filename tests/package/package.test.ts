// The client as a user installs it: the tarball `npm pack` makes, installed into a scratch
// project outside the repository. Its Node entry runs the README's pay.mjs (the local
// chain, a channel opened, 100 payments, a cooperative close) in plain Node ESM; its main
// entry is bundled by Vite for browsers and the README's page.js pays in Chromium; its
// types check for a strict TypeScript user; its bin runs. Nothing here reads the
// repository's sources: only what the tarball holds.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import { serve } from '../browser/build.js';
import { HAVE_CHROMIUM, launchChromium } from '../browser/chromium.js';
import { listFiles, packAndInstall, readmeExample, REPO, type Scratch } from './scratch.js';

const run = promisify(execFile);
let scratch: Scratch;
const pkg = () => join(scratch.dir, 'node_modules', 'bitstream-channels');

beforeAll(() => {
  scratch = packAndInstall();
  console.info(`packed (build included) in ${(scratch.packMs / 1000).toFixed(1)} s, installed in ${(scratch.installMs / 1000).toFixed(1)} s: ${scratch.files.length} files`);
}, 300_000);

afterAll(() => {
  if (scratch) rmSync(dirname(scratch.dir), { recursive: true, force: true });
});

describe('the bitstream-channels tarball', () => {
  it('holds the built entries with their types, the bin and the contracts the local chain runs, and nothing else', () => {
    const allowed = [
      /^client\/dist\/(src|bin)\/.+\.(js|d\.ts)$/,
      /^client\/bin\/bitstream\.mjs$/,
      /^contracts\/[a-z0-9-]+\.clar$/,
      /^contracts\/PROTOCOL\.md$/,
      /^(Clarinet\.toml|settings\/Devnet\.toml|README\.md|package\.json)$/,
    ];
    const stray = scratch.files.filter((f) => !allowed.some((r) => r.test(f)));
    expect(stray).toEqual([]);
    expect(scratch.files.filter((f) => f.endsWith('.tests.clar'))).toEqual([]);
    // every contract Clarinet.toml names is there, so the local chain can deploy them
    const toml = readFileSync(join(pkg(), 'Clarinet.toml'), 'utf8');
    for (const [, path] of toml.matchAll(/^path = "([^"]+)"/gm)) expect(scratch.files).toContain(path);

    const manifest = JSON.parse(readFileSync(join(pkg(), 'package.json'), 'utf8')) as {
      exports: Record<string, string | { types: string; default: string }>;
      bin: Record<string, string>;
      dependencies: Record<string, string>;
      peerDependenciesMeta: Record<string, { optional: boolean }>;
    };
    for (const [entry, target] of Object.entries(manifest.exports)) {
      const paths = typeof target === 'string' ? [target] : [target.types, target.default];
      for (const p of paths) expect(existsSync(join(pkg(), p)), `${entry} → ${p}`).toBe(true);
    }
    expect(Object.keys(manifest.exports).sort()).toEqual(['.', './node', './package.json', './wallet', './x402']);
    expect(readFileSync(join(pkg(), manifest.bin['bitstream']!), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    // the wallet's 380 MB and the simnet are a user's choice, not every install's
    expect(manifest.dependencies['@stacks/connect']).toBeUndefined();
    expect(manifest.peerDependenciesMeta['@stacks/connect']?.optional).toBe(true);
    expect(existsSync(join(scratch.dir, 'node_modules', '@stacks', 'connect'))).toBe(false);
  });

  it('Node ESM: the README\'s pay.mjs runs as written — opens a channel on the local chain, pays 100 times, closes', async () => {
    writeFileSync(join(scratch.dir, 'pay.mjs'), readmeExample('pay.mjs'));
    const { stdout } = await run('node', ['pay.mjs'], { cwd: scratch.dir, timeout: 180_000 });
    expect(stdout).toContain('off-chain { own: 900000n, other: 100000n }');
    expect(stdout).toContain('close-channel success');
    // the contract paid both sides at the final state (its close-channel print event)
    expect(stdout).toMatch(/balance-a: u900000, balance-b: u100000, .*event: "close-channel".*nonce: u101/);
    // the SQLite store kept Alice's side in the scratch project, where the script ran
    expect(existsSync(join(scratch.dir, 'alice.db'))).toBe(true);
  }, 240_000);

  it('the bin runs in plain Node', async () => {
    const { stdout } = await run(join(scratch.dir, 'node_modules', '.bin', 'bitstream'), ['--help'], { cwd: scratch.dir });
    expect(stdout).toMatch(/^Usage: bitstream /);
    expect(stdout).toContain('node ');
  });

  it('its types check for a strict TypeScript user of each entry, and are not `any`', async () => {
    writeFileSync(join(scratch.dir, 'check.ts'), [
      "import { Channel, MemoryStore, openingState, type ChannelState, type PaymentReceipt } from 'bitstream-channels';",
      "import { BitStreamNode, SqliteStore, startLocalChain } from 'bitstream-channels/node';",
      "import { WalletSigner } from 'bitstream-channels/wallet';",
      "import { BitStreamServerScheme, Payer, type SpendCaps } from 'bitstream-channels/x402';",
      'const opening: ChannelState = openingState(new Uint8Array(32), 1_000n);',
      'export const used = [opening, Channel, MemoryStore, BitStreamNode, SqliteStore, startLocalChain, WalletSigner, BitStreamServerScheme, Payer];',
      'export const caps: SpendCaps = { perRequest: 100n };',
      'export async function pay(c: Channel): Promise<bigint> { const r: PaymentReceipt = await c.pay(5n); return r.nonce; }',
      '// each line below must be a type error: were the declarations `any`, it would not be',
      '// @ts-expect-error an amount is a bigint',
      'openingState(new Uint8Array(32), 1_000);',
      '// @ts-expect-error a MemoryStore has no such method',
      'new MemoryStore().noSuchMethod();',
      "// @ts-expect-error the SQLite store is not in the browser-safe main entry",
      "export { SqliteStore as NotThere } from 'bitstream-channels';",
      '// @ts-expect-error a cap is a bigint',
      'export const badCaps: SpendCaps = { total: 5 };',
      '',
    ].join('\n'));
    const tsc = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');
    const args = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--skipLibCheck',
      '--typeRoots', join(REPO, 'node_modules', '@types'), '--types', 'node', 'check.ts'];
    const r = await run('node', [tsc, ...args], { cwd: scratch.dir }).catch((e: { stdout: string }) => ({ stdout: e.stdout, failed: true }));
    expect(r.stdout).toBe('');
  }, 120_000);

  describe.skipIf(!HAVE_CHROMIUM)('browser (needs /usr/bin/chromium: apt-get install chromium)', () => {
    it('Vite bundles the main entry with no Node import, and the README\'s page.js pays 100 times in Chromium', async () => {
      const page = join(scratch.dir, 'page');
      mkdirSync(page, { recursive: true });
      writeFileSync(join(page, 'page.js'), readmeExample('page.js'));
      writeFileSync(join(page, 'index.html'), '<!doctype html><html><body>loading</body><script type="module" src="./page.js"></script></html>');
      const outDir = join(scratch.dir, 'page-dist');
      await build({ root: page, configFile: false, logLevel: 'silent', base: './', build: { outDir, emptyOutDir: true, minify: false, target: 'es2022' } });
      const bundles = listFiles(outDir).filter((f) => f.endsWith('.js'));
      expect(bundles.length).toBeGreaterThan(0);
      for (const f of bundles) {
        const code = readFileSync(join(outDir, f), 'utf8');
        // Vite swaps a Node built-in it meets for this stub; none may be met
        expect(code, f).not.toContain('__vite-browser-external');
        expect(code, f).not.toMatch(/(from\s*|import\s*\(\s*)["']node:/);
        expect(code, f).not.toMatch(/better-sqlite3|createRequire/);
      }
      const server = await serve(outDir);
      const browser = await launchChromium();
      try {
        const tab = await browser.newPage();
        const errors: string[] = [];
        tab.on('pageerror', (e) => errors.push(e.message));
        await tab.goto(server.url);
        await tab.waitForFunction(() => (globalThis as unknown as { document: { body: { textContent: string | null } } }).document.body.textContent?.startsWith('paid'), undefined, { timeout: 60_000 });
        expect(errors).toEqual([]);
        expect(await tab.textContent('body')).toBe('paid 100 times with noble: 900000 / 100000');
      } finally {
        await browser.close();
        await server.close();
      }
    }, 120_000);
  });
});
