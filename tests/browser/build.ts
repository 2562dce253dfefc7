// The browser tests' pages: built and served by the dApp's own tooling (client/app/serve.ts),
// the wallet test's blank page (page/) by default, or another folder's. Loopback only.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPage as buildAny, type BuiltPage } from '../../client/app/serve.js';

export { removeBuild, serve, type BuiltPage } from '../../client/app/serve.js';

// (not `new URL('./page/', import.meta.url)`: Vite rewrites that pattern into a browser asset URL)
const PAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'page');

/** Bundle a test page for browsers (minification off: it is built once per run, not shipped). */
export function buildPage(pageDir: string = PAGE_DIR): Promise<BuiltPage> {
  return buildAny(pageDir);
}
