// Builds a browser test's page (page/index.html, or another folder's, and everything it
// imports, the real @stacks/connect included) with Vite into a temp dir, and serves that dir on an
// ephemeral 127.0.0.1 port. Nothing here talks to any other host.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'vite';

// (not `new URL('./page/', import.meta.url)`: Vite rewrites that pattern into a browser asset URL)
const PAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'page');

export interface BuiltPage {
  readonly dir: string;
  /** total bytes of the built files */
  readonly bytes: number;
  readonly buildMs: number;
}

// @stacks/connect imports WalletConnect (@reown/appkit-universal-connector, ~1.2 MB of
// the 2.4 MB bundle) lazily, only when `request` is given a `walletConnect` option, which
// WalletSigner never does. Bundling it is most of the build time, so it is left out: an
// import of it in the page fails, which no test path reaches.
const UNUSED_BY_THE_PAGE = ['@reown/appkit-universal-connector'];
const UNUSED = '\0bitstream-unused-by-the-page';
const leaveOutWalletConnect: Plugin = {
  name: 'bitstream-leave-out-walletconnect',
  enforce: 'pre',
  resolveId: (id) => (UNUSED_BY_THE_PAGE.includes(id) ? UNUSED : null),
  load: (id) => (id === UNUSED ? "throw new Error('WalletConnect is not bundled in the test page');" : null),
};

/** Bundle the page for browsers (minification off: it is built once per run, not shipped). */
export async function buildPage(pageDir: string = PAGE_DIR): Promise<BuiltPage> {
  const dir = mkdtempSync(join(tmpdir(), 'bitstream-browser-'));
  const started = performance.now();
  let out: Awaited<ReturnType<typeof build>>;
  try {
    out = await build({
      root: pageDir,
      configFile: false,
      logLevel: 'silent',
      // `base` relative so the page works from any port
      base: './',
      plugins: [leaveOutWalletConnect],
      build: { outDir: dir, emptyOutDir: false, minify: false, reportCompressedSize: false, target: 'es2022' },
    });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const outputs = (Array.isArray(out) ? out : [out]).flatMap((o) => ('output' in o ? o.output : []));
  let bytes = 0;
  for (const o of outputs) bytes += statSync(join(dir, o.fileName)).size;
  return { dir, bytes, buildMs: performance.now() - started };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
};

/** Serve `dir` read-only on 127.0.0.1; resolves to the base URL. */
export async function serve(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const root = resolve(dir);
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    if (!file.startsWith(root + sep)) return void res.writeHead(403).end();
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

export function removeBuild(page: BuiltPage): void {
  rmSync(page.dir, { recursive: true, force: true });
}
