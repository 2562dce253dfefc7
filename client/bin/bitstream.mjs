#!/usr/bin/env node
// The `bitstream` command, the package's bin. Installed from the package, it runs the
// built client/dist/bin/bitstream.js. In this repository (where client/bin/bitstream.ts
// sits next to this file, which the package does not ship) it runs the TypeScript
// sources with no build, so `npx bitstream`, the tests and the demo never run a stale
// dist/: it loads bitstream.ts through vite-node's runner in this same process, so
// signals and kill -9 reach the node itself.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('./bitstream.ts', import.meta.url));
// BITSTREAM_RUN_DIST=1: the built dist/ even here (the test run builds it once at its
// start, tests/setup/build-dist.ts, so its dozens of node processes skip compiling the sources)
if (!existsSync(source) || process.env['BITSTREAM_RUN_DIST'] === '1') {
  await import('../dist/bin/bitstream.js');
} else {
  const { createServer } = await import('vite');
  const { ViteNodeServer } = await import('vite-node/server');
  const { ViteNodeRunner } = await import('vite-node/client');
  const { installSourcemapsSupport } = await import('vite-node/source-map');
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const server = await createServer({ root, logLevel: 'error', optimizeDeps: { noDiscovery: true, include: [] }, server: { hmr: false, watch: null } });
  await server.pluginContainer.buildStart({});
  const node = new ViteNodeServer(server);
  installSourcemapsSupport({ getSourceMap: (file) => node.getSourceMap(file) });
  const runner = new ViteNodeRunner({
    root: server.config.root,
    base: server.config.base,
    fetchModule: (id) => node.fetchModule(id),
    resolveId: (id, importer) => node.resolveId(id, importer),
  });
  await runner.executeFile(source);
}
