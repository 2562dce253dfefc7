// The frames one peer connection carries (one text frame per WebSocket message):
//   hello   each side's identity claim and fresh nonce, sent as soon as the socket opens
//   auth    each side's signature over the handshake transcript (handshake.ts)
//   msg     a channel's wire message (wire/messages.ts), routed by channel id
//   app     a node-level request or answer (opening a channel, …), by kind
//   error   why the sender is about to close, or refuses one frame
// `parseFrame` is the only way text from a socket becomes a frame. A `msg` frame's
// message is left as parsed JSON: the channel parses it (parseMessage), so the
// protocol's boundary check stays in one place.
import { z } from 'zod';
import { MAX_MESSAGE_BYTES } from '../wire/messages.js';
import { PeerCode, PeerError } from './errors.js';

export const PEER_PROTOCOL_VERSION = 1;
/** Longest frame accepted: a full channel message plus the envelope. */
export const MAX_FRAME_BYTES = MAX_MESSAGE_BYTES + 1024;

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));

const helloSchema = z.strictObject({
  t: z.literal('hello'),
  v: z.literal(PEER_PROTOCOL_VERSION),
  chainId: z.number().int().min(0).max(0xffffffff),
  /** a standard principal: the node's key is a single-sig account */
  principal: z.string().regex(/^S[0-9A-HJKMNP-TV-Z]{27,41}$/),
  publicKey: hex(33),
  nonce: hex(32),
  /** the account's signature handing `publicKey` its voice until `expires` (delegation.ts), when the key is not the principal's own */
  delegation: z.strictObject({ expires: z.number().int().min(0).max(2 ** 40), sig: hex(65) }).optional(),
});

const authSchema = z.strictObject({ t: z.literal('auth'), sig: hex(65) });

const msgSchema = z.strictObject({ t: z.literal('msg'), c: hex(32), m: z.unknown() });

const appSchema = z.strictObject({
  t: z.literal('app'),
  kind: z.string().regex(/^[a-z][a-z0-9-]{0,39}$/),
  /** the request this answers, or the id an answer should carry */
  id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
  body: z.unknown(),
});

const errorSchema = z.strictObject({
  t: z.literal('error'),
  code: z.string().regex(/^[A-Z0-9_]{1,64}$/),
  message: z.string().max(500),
});

const frameSchema = z.discriminatedUnion('t', [helloSchema, authSchema, msgSchema, appSchema, errorSchema]);

export type HelloFrame = z.infer<typeof helloSchema>;
export type AuthFrame = z.infer<typeof authSchema>;
export type MsgFrame = z.infer<typeof msgSchema>;
export type AppFrame = z.infer<typeof appSchema>;
export type ErrorFrame = z.infer<typeof errorSchema>;
export type Frame = z.infer<typeof frameSchema>;

/** Text from the socket → a typed frame; a PeerError (PEER_MALFORMED_FRAME / PEER_FRAME_TOO_LARGE) otherwise. */
export function parseFrame(text: string): Frame {
  if (text.length > MAX_FRAME_BYTES) {
    throw new PeerError(PeerCode.TooLarge, `frame of ${text.length} characters is over the ${MAX_FRAME_BYTES} limit`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new PeerError(PeerCode.Malformed, 'frame is not JSON', { cause });
  }
  // the hot path: a channel message in its exact shape skips the schema
  if (isMsgFrame(value)) return value;
  const r = frameSchema.safeParse(value);
  if (!r.success) {
    throw new PeerError(PeerCode.Malformed, 'frame fits no frame type', {
      details: { issues: r.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`) },
    });
  }
  return r.data;
}

const CHANNEL_ID = /^[0-9a-f]{64}$/;

function isMsgFrame(v: unknown): v is MsgFrame {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return o['t'] === 'msg' && typeof o['c'] === 'string' && CHANNEL_ID.test(o['c']) && 'm' in o && Object.keys(o).length === 3;
}

/** A channel message frame, built around the message's own text (no second encoding). */
export function msgFrameText(channelIdHex: string, messageText: string): string {
  return `{"t":"msg","c":"${channelIdHex}","m":${messageText}}`;
}

export function frameText(f: HelloFrame | AuthFrame | AppFrame | ErrorFrame): string {
  return JSON.stringify(f);
}
