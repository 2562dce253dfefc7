#!/usr/bin/env node
// The `bitstream` package bin. The client is TypeScript run as source (a build into
// dist/ is the package issue's work), so this loads client/bin/bitstream.ts through
// vite-node's runner in this same process: signals and kill -9 reach the node itself.
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import { ViteNodeServer } from 'vite-node/server';
import { ViteNodeRunner } from 'vite-node/client';
import { installSourcemapsSupport } from 'vite-node/source-map';

const root = fileURLToPath(new URL('../..', import.meta.url));
const server = await createServer({ root, logLevel: 'error', optimizeDeps: { noDiscovery: true, include: [] }, server: { hmr: false, watch: null } });
await server.pluginContainer.buildStart({});
const node = new ViteNodeServer(server);
installSourcemapsSupport({ getSourceMap: (source) => node.getSourceMap(source) });
const runner = new ViteNodeRunner({
  root: server.config.root,
  base: server.config.base,
  fetchModule: (id) => node.fetchModule(id),
  resolveId: (id, importer) => node.resolveId(id, importer),
});
await runner.executeFile(fileURLToPath(new URL('./bitstream.ts', import.meta.url)));
