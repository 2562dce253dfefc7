// Schemas of the JSON request bodies the local chain takes (STYLE rule 5: validate at the
// edge, once). A body that does not fit is a 400 LocalChainError naming the first
// problem. Transaction bodies are not here: their bytes are judged by decode-tx.ts.
import { z } from 'zod';
import { LocalChainError } from './errors.js';

const hex = z.string().regex(/^(0x)?([0-9a-fA-F]{2})*$/, 'hex');
const count = z.number().int().min(0).max(10_000);

/** POST /v2/contracts/call-read/…: the node's read-only call body. */
export const CallReadBody = z.object({ sender: z.string().min(1), arguments: z.array(hex) });

/** POST /v2/map_entry/…: the hex of the serialized key, as a JSON string. */
export const MapEntryBody = hex;

/** POST /v2/fees/transaction: the payload to price and, optionally, the whole length. */
export const FeeBody = z.object({ transaction_payload: hex, estimated_len: z.number().int().positive().optional() });

/** POST /dev/mine: empty Stacks blocks and burn blocks to add after the waiting transactions. */
export const MineBody = z.object({ blocks: count.optional(), burnBlocks: count.optional() }).strict();

/** POST /dev/drop: drop the next `count` (default 1) admitted calls of a contract function. */
export const DropBody = z.object({ functionName: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_!?-]{0,127}$/), count: count.optional() }).strict();

/** Parse a JSON body against `schema`, or throw a 400. An empty body is `{}`. */
export function parseBody<T>(schema: z.ZodType<T>, body: Uint8Array): T {
  let value: unknown;
  try {
    value = body.length === 0 ? {} : JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch (cause) {
    throw new LocalChainError('LOCALCHAIN_BAD_REQUEST', 'body is not JSON', { cause });
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new LocalChainError('LOCALCHAIN_BAD_REQUEST', `bad body: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
