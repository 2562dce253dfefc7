// The tab's session: the session key made here, the wallet's delegation to it, and the
// channel it signs for (its id, token and where its chain states landed). Kept in
// sessionStorage: a reload keeps the channel without a wallet prompt; a closed tab or a
// stolen disk leaves no key that can sign. The channel's signed states are not here but
// in IndexedDB (IndexedDbStore), so nothing signed is lost with the key.
import { utils } from '@noble/secp256k1';
import { nobleBackend } from '../../src/crypto/noble.js';
import type { Delegation } from '../../src/peer/delegation.js';
import { fromHex, toHex } from '../../src/wire/json.js';
import { z } from 'zod';

/** How long the wallet's delegation lasts (the hub takes at most 7 days). */
export const DELEGATION_SECONDS = 24 * 3600;
const KEY = 'bitstream-app-session';

const hex = z.string().regex(/^([0-9a-f]{2})+$/);
const saved = z.object({
  account: z.string(),
  sessionKey: hex,
  expires: z.number().int(),
  sig: hex,
  channel: z
    .object({
      id: hex,
      token: z.string().nullable(),
      window: z.string().regex(/^\d+$/),
      landings: z.array(z.object({ nonce: z.string().regex(/^\d+$/), burnHeight: z.string().regex(/^\d+$/) })),
    })
    .nullable(),
  /** a create-channel the wallet sent that the hub has not taken yet (a reload mid-open finishes it) */
  pendingOpen: z
    .object({ txid: z.string(), token: z.string().nullable(), amount: z.string().regex(/^\d+$/), window: z.string().regex(/^\d+$/) })
    .nullable()
    .default(null),
  txs: z.array(z.object({ kind: z.string(), txid: z.string(), status: z.string(), at: z.number() })),
});
export type SavedSession = z.infer<typeof saved>;
export type SavedTx = SavedSession['txs'][number];

export interface Session {
  readonly account: string;
  readonly sessionKey: Uint8Array;
  readonly delegation: Delegation;
  readonly sig: Uint8Array;
}

/** A new session key for `account`, to be delegated by the wallet. */
export function newSessionKey(account: string, nowSeconds = Math.floor(Date.now() / 1000)): { sessionKey: Uint8Array; delegation: Delegation } {
  const sessionKey = utils.randomSecretKey();
  return { sessionKey, delegation: { principal: account, sessionKey: nobleBackend.publicKeyOf(sessionKey), expires: nowSeconds + DELEGATION_SECONDS } };
}

/** The saved session of this tab for `account`, if there is one still delegated for at least a minute. */
export function loadSession(account: string): { session: Session; saved: SavedSession } | null {
  const raw = sessionStorage.getItem(KEY);
  if (raw === null) return null;
  let s: SavedSession;
  try {
    const r = saved.safeParse(JSON.parse(raw));
    if (!r.success) return null;
    s = r.data;
  } catch {
    return null;
  }
  if (s.account !== account || s.expires < Date.now() / 1000 + 60) return null;
  const sessionKey = fromHex(s.sessionKey);
  return {
    session: { account, sessionKey, sig: fromHex(s.sig), delegation: { principal: account, sessionKey: nobleBackend.publicKeyOf(sessionKey), expires: s.expires } },
    saved: s,
  };
}

export function saveSession(session: Session, rest: Pick<SavedSession, 'channel' | 'txs' | 'pendingOpen'>): void {
  const s: SavedSession = { account: session.account, sessionKey: toHex(session.sessionKey), expires: session.delegation.expires, sig: toHex(session.sig), ...rest };
  sessionStorage.setItem(KEY, JSON.stringify(s));
}

export function forgetSession(): void {
  sessionStorage.removeItem(KEY);
}
