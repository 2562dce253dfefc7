// Node side of the page: build it with Vite (client/app/index.html and what it imports,
// the real @stacks/connect included) and serve a built directory read-only on loopback,
// with files the server makes (config.json) beside it. `npm run app` and the browser
// tests both use these; nothing here talks to another host.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'vite';

/** client/app: the dApp's index.html (not `new URL('./', import.meta.url)`: Vite rewrites that into an asset URL). */
export const APP_DIR = dirname(fileURLToPath(import.meta.url));

// @stacks/connect imports WalletConnect (@reown/appkit-universal-connector, about half the
// bundle) lazily, only when `request` is given a `walletConnect` project id. The page
// connects browser wallets (Leather, Xverse) and has no project id, so it is left out:
// an import of it fails, which no path of the page reaches.
const UNUSED_BY_THE_PAGE = ['@reown/appkit-universal-connector'];
const UNUSED = '\0bitstream-unused-by-the-page';
export const leaveOutWalletConnect: Plugin = {
  name: 'bitstream-leave-out-walletconnect',
  enforce: 'pre',
  resolveId: (id) => (UNUSED_BY_THE_PAGE.includes(id) ? UNUSED : null),
  load: (id) => (id === UNUSED ? "throw new Error('WalletConnect is not bundled in this page');" : null),
};

export interface BuiltPage {
  readonly dir: string;
  /** total bytes of the built files */
  readonly bytes: number;
  readonly buildMs: number;
}

/** Bundle the page in `root` (default: the dApp) for browsers into a temp dir. */
export async function buildPage(root: string = APP_DIR, o: { minify?: boolean } = {}): Promise<BuiltPage> {
  const dir = mkdtempSync(join(tmpdir(), 'bitstream-page-'));
  const started = performance.now();
  let out: Awaited<ReturnType<typeof build>>;
  try {
    out = await build({
      root,
      configFile: false,
      logLevel: 'silent',
      // `base` relative so the page works from any port and path
      base: './',
      plugins: [leaveOutWalletConnect],
      build: { outDir: dir, emptyOutDir: false, minify: o.minify ?? false, reportCompressedSize: false, target: 'es2022' },
    });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  const outputs = (Array.isArray(out) ? out : [out]).flatMap((x) => ('output' in x ? x.output : []));
  let bytes = 0;
  for (const x of outputs) bytes += statSync(join(dir, x.fileName)).size;
  return { dir, bytes, buildMs: performance.now() - started };
}

export function removeBuild(page: BuiltPage): void {
  rmSync(page.dir, { recursive: true, force: true });
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
};

export interface ServeOptions {
  /** default 127.0.0.1 */
  readonly host?: string;
  /** default 0: a free port */
  readonly port?: number;
  /** files the server makes, by path (e.g. "/config.json"), served over the directory's */
  readonly files?: Readonly<Record<string, string>>;
}

/** Serve `dir` read-only; resolves to its base URL. */
export async function serve(dir: string, o: ServeOptions = {}): Promise<{ url: string; close(): Promise<void> }> {
  const root = resolve(dir);
  const server: Server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    const made = o.files?.[path];
    if (made !== undefined) return void res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'text/plain', 'cache-control': 'no-store' }).end(made);
    const file = normalize(join(root, path === '/' ? 'index.html' : path));
    if (!file.startsWith(root + sep)) return void res.writeHead(403).end();
    try {
      const body = readFileSync(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  const host = o.host ?? '127.0.0.1';
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(o.port ?? 0, host, ok);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/`,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
