// The small HTTP plumbing of the local chain over node:http: reading a bounded request
// body, writing JSON and text answers, and a route table of (method, path pattern,
// handler). It knows nothing about Stacks: routes.ts supplies the handlers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LocalChainError } from './errors.js';

/** A node refuses bodies over 2 MB (a transaction is at most that); so do we. */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

export interface Request {
  readonly method: string;
  readonly url: URL;
  readonly params: readonly string[];
  readonly contentType: string | undefined;
  readonly body: Uint8Array;
}

export interface Reply {
  readonly status: number;
  /** JSON-encoded unless `text` is set */
  readonly body: unknown;
  readonly text?: boolean;
}

export type Handler = (req: Request) => Promise<Reply> | Reply;

export interface Route {
  readonly method: 'GET' | 'POST';
  readonly path: RegExp;
  readonly handler: Handler;
}

export const json = (body: unknown, status = 200): Reply => ({ status, body });
export const text = (body: string, status = 200): Reply => ({ status, body, text: true });

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (cause) {
    throw new LocalChainError('LOCALCHAIN_BAD_REQUEST', 'malformed percent-encoding in the path', { cause });
  }
}

export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new LocalChainError('LOCALCHAIN_BAD_REQUEST', `body over ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

export function send(res: ServerResponse, reply: Reply): void {
  const payload = reply.text === true ? String(reply.body) : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': reply.text === true ? 'text/plain; charset=utf-8' : 'application/json',
    'content-length': Buffer.byteLength(payload),
    // wallets and dapps in a browser call the node from another origin
    'access-control-allow-origin': '*',
  });
  res.end(payload);
}

/** The handler of the first route matching method and path, with the path's groups. */
export function match(routes: readonly Route[], method: string, path: string): { handler: Handler; params: string[] } | null {
  for (const r of routes) {
    if (r.method !== method) continue;
    const m = r.path.exec(path);
    if (m !== null) return { handler: r.handler, params: m.slice(1).map(decodeSegment) };
  }
  return null;
}
