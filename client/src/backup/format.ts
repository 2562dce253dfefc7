// What a channel backup holds: for each channel, what is needed to enforce it on a new
// machine — who the peer is and where to reach it, the channel's terms, its newest
// signed state, the newest closable one (and the base of a chain state), the secrets of
// its HTLCs this node can claim, and the heights its chain states landed at. JSON inside
// the seal (seal.ts), every field checked when read back.
import { z } from 'zod';
import type { ChannelMeta } from '../node/meta.js';
import type { SignedState } from '../store/types.js';
import { stateToJson, toHex, fromHex } from '../wire/json.js';
import { signatureSchema, stateSchema, bytes32Schema } from '../wire/schemas.js';
import { BackupCode, BackupError } from './errors.js';

export const BACKUP_VERSION = 1;

export interface BackupChannel {
  readonly meta: ChannelMeta;
  /** where the peer was dialled (null: it dialled us) */
  readonly peerUrl: string | null;
  readonly latest: SignedState;
  readonly base: SignedState | null;
  readonly closable: SignedState;
  /** secrets this side can claim HTLCs of the states with */
  readonly secrets: readonly Uint8Array[];
  readonly landings: readonly { readonly nonce: bigint; readonly burn: bigint }[];
}

export interface Backup {
  readonly chainId: number;
  readonly contract: string;
  /** the node whose channels these are */
  readonly principal: string;
  /** unix ms */
  readonly createdAt: number;
  readonly channels: readonly BackupChannel[];
}

const uint = z.string().regex(/^[0-9]{1,39}$/).transform((v) => BigInt(v));
const hex = (n: number) => z.string().regex(new RegExp(`^[0-9a-f]{${2 * n}}$`)).transform((v) => fromHex(v));
/** A signed state as JSON (the backup's, and a peer's `channel-tip` answer). */
export const SignedSchema = z.strictObject({ state: stateSchema, hash: bytes32Schema, sigA: signatureSchema.nullable(), sigB: signatureSchema.nullable() });
const MetaSchema = z.strictObject({
  id: z.string().regex(/^[0-9a-f]{64}$/), peer: z.string().min(3).max(170), peerKey: z.string().regex(/^[0-9a-f]{66}$/), role: z.enum(['a', 'b']),
  token: z.string().max(170).nullable(), window: uint, opening: uint, phase: z.enum(['open', 'closing', 'closed']), createdTxid: z.string().max(80), createdAt: z.number().int(),
});
const ChannelSchema = z.strictObject({
  meta: MetaSchema, peerUrl: z.string().max(200).nullable(), latest: SignedSchema, base: SignedSchema.nullable(), closable: SignedSchema,
  secrets: z.array(hex(32)).max(1_000), landings: z.array(z.strictObject({ nonce: uint, burn: uint })).max(10_000),
});
const BackupSchema = z.strictObject({
  version: z.literal(BACKUP_VERSION), chainId: z.number().int(), contract: z.string().max(170), principal: z.string().max(170), createdAt: z.number().int(),
  channels: z.array(ChannelSchema).max(100_000),
});

export const signedJson = (s: SignedState) => ({ state: stateToJson(s.state), hash: toHex(s.hash), sigA: s.sigA === null ? null : toHex(s.sigA), sigB: s.sigB === null ? null : toHex(s.sigB) });

/** One channel's JSON text, as a backup holds it. */
export function channelJson(c: BackupChannel): string {
  return JSON.stringify({
    meta: { ...c.meta, window: c.meta.window.toString(), opening: c.meta.opening.toString() }, peerUrl: c.peerUrl,
    latest: signedJson(c.latest), base: c.base === null ? null : signedJson(c.base), closable: signedJson(c.closable),
    secrets: c.secrets.map(toHex), landings: c.landings.map((l) => ({ nonce: l.nonce.toString(), burn: l.burn.toString() })),
  });
}

/** A backup from its header and its channels' texts (channelJson): a writer keeps the texts of the channels that did not change. */
export function encodeBackupTexts(h: Omit<Backup, 'channels'>, channels: readonly string[]): Uint8Array {
  const head = JSON.stringify({ version: BACKUP_VERSION, chainId: h.chainId, contract: h.contract, principal: h.principal, createdAt: h.createdAt });
  return new TextEncoder().encode(`${head.slice(0, -1)},"channels":[${channels.join(',')}]}`);
}

export function encodeBackup(b: Backup): Uint8Array {
  return encodeBackupTexts(b, b.channels.map(channelJson));
}

export function decodeBackup(bytes: Uint8Array): Backup {
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new BackupError(BackupCode.Malformed, 'the backup\'s contents are not JSON', { cause });
  }
  if (typeof raw === 'object' && raw !== null && 'version' in raw && raw.version !== BACKUP_VERSION) {
    throw new BackupError(BackupCode.Version, `backup version ${String(raw.version)} is not one this client reads (it reads ${BACKUP_VERSION})`);
  }
  const r = BackupSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0]!;
    throw new BackupError(BackupCode.Malformed, `the backup is malformed at ${i.path.join('.')}: ${i.message}`);
  }
  const { version: _version, ...backup } = r.data;
  return backup;
}
