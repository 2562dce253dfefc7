// Start and stop the local chain's HTTP server (node:http) on a loopback address. It
// maps errors to the node's answers: a MempoolRejection is 400 with the node's body, a
// bad request 400, an unknown thing 404, anything else 500 (and logged). It must not
// hold chain logic (chain.ts) or endpoint logic (routes.ts).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalChain, type LocalChainOptions } from './chain.js';
import { LocalChainError, MempoolRejection } from './errors.js';
import { json, match, readBody, send, type Reply } from './http.js';
import { routes } from './routes.js';

export interface StartOptions extends LocalChainOptions {
  /** default 127.0.0.1: the chain holds devnet keys' funds, so it stays off the network */
  readonly host?: string;
  /** default 3999 (the devnet node's port); 0 picks a free port */
  readonly port?: number;
}

export interface RunningChain {
  /** base URL for createNetwork({ client: { baseUrl } }) */
  readonly url: string;
  readonly chain: LocalChain;
  stop(): Promise<void>;
}

export async function startLocalChain(opts: StartOptions = {}): Promise<RunningChain> {
  const chain = await LocalChain.start(opts);
  const table = routes(chain);
  const log = opts.log;

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = req.method ?? 'GET';
      if (method === 'OPTIONS') {
        res.writeHead(204, {
          'access-control-allow-origin': '*',
          'access-control-allow-methods': 'GET, POST, OPTIONS',
          'access-control-allow-headers': 'content-type, accept, x-api-key',
        });
        res.end();
        return;
      }
      let reply: Reply;
      try {
        const found = match(table, method, url.pathname);
        if (found === null) throw new LocalChainError('LOCALCHAIN_NOT_FOUND', `no route ${method} ${url.pathname}`);
        const body = method === 'POST' ? await readBody(req) : new Uint8Array();
        reply = await found.handler({ method, url, params: found.params, contentType: req.headers['content-type'], body });
      } catch (e) {
        reply = errorReply(e, log);
      }
      if (!res.headersSent) send(res, reply);
    })();
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 3999, opts.host ?? '127.0.0.1', () => resolve());
    });
  } catch (e) {
    await chain.stop(); // a port in use must not leave the block clocks running
    throw e;
  }
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;

  return {
    url: `http://${host}:${port}`,
    chain,
    async stop() {
      await chain.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function errorReply(e: unknown, log: ((line: string) => void) | undefined): Reply {
  if (e instanceof MempoolRejection) return json(e.toJSON(), 400);
  if (e instanceof LocalChainError) {
    const status = e.code === 'LOCALCHAIN_NOT_FOUND' ? 404 : e.code === 'LOCALCHAIN_BAD_REQUEST' ? 400 : 500;
    return json({ error: e.message, code: e.code }, status);
  }
  log?.(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return json({ error: e instanceof Error ? e.message : String(e) }, 500);
}
