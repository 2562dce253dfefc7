// The CLI's client of a node's HTTP API: bearer token, JSON in and out, the node's
// error body turned back into a typed error with the same stable code, and the event
// stream (SSE) read for progress while a long request waits.
import { BitStreamError } from '../errors/errors.js';

export class ApiError extends BitStreamError {
  constructor(code: string, message: string, readonly status: number, details: Record<string, unknown> = {}) {
    super(code, message, { details });
  }
}

export class NodeApiClient {
  constructor(readonly baseUrl: string, private readonly token: string) {}

  async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (cause) {
      throw new ApiError('CLI_NODE_UNREACHABLE', `no node answers at ${this.baseUrl} (is it running? see bitstream node start)`, 0, { cause: String(cause) });
    }
    const text = await res.text();
    const value: unknown = text === '' ? null : JSON.parse(text);
    if (!res.ok) {
      const e = (value as { error?: { code?: string; message?: string; details?: Record<string, unknown> } } | null)?.error;
      throw new ApiError(e?.code ?? `HTTP_${res.status}`, e?.message ?? `the node answered ${res.status}`, res.status, e?.details ?? {});
    }
    return value as T;
  }

  /** Call `onEvent` with each event the node streams until the returned stop is called. */
  events(onEvent: (type: string, data: Record<string, unknown>) => void): () => void {
    const abort = new AbortController();
    void (async () => {
      try {
        const res = await fetch(`${this.baseUrl}/v1/events`, { headers: { authorization: `Bearer ${this.token}` }, signal: abort.signal });
        if (res.body === null) return;
        const decoder = new TextDecoder();
        let buf = '';
        for await (const chunk of res.body) {
          buf += decoder.decode(chunk as Uint8Array, { stream: true });
          let end: number;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            const data = block.split('\n').find((l) => l.startsWith('data:'))?.slice(5).trim();
            if (data !== undefined) {
              const e = JSON.parse(data) as Record<string, unknown>;
              onEvent(String(e['type']), e);
            }
          }
        }
      } catch {
        // the stream ends when the request it served is done
      }
    })();
    return () => abort.abort();
  }
}
