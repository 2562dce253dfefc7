// The model test's side of the chain (model.test.ts): model values turned into real
// bytes and calls, and the chain read back as the model keeps it. Signatures are made
// here from a model SigSpec (own or session key, domain, form), once per state; the
// fixtures the model test needs (a token that refuses payouts, an intermediary
// contract) are deployed here on the test file's own simnet. It reads and calls the
// simnet, and judges nothing: model.ts predicts, model.test.ts compares.
import { sha256 } from '@noble/hashes/sha2.js';
import { Cl, serializeCVBytes } from '@stacks/transactions';
import {
  CHANNEL, alice, deployFixture, deployer, domainHashOf, hex, highS, keys, mapEntryOrNone, plain, signHash, stateHash, toHex,
  type ChannelState, type Signed,
} from './helpers.js';
import { sessionKey, sessionPublicKey } from '../rendezvous/keys.js';
import type { Env, ModelChannel, ModelState, SigSpec, Submission, TokenId } from './model.js';

/** Deploy the model's fixtures (block-token as REFUSING_TOKEN, proxy as PROXY) once on this file's simnet. */
export function deployFixtures(): void {
  for (const name of ['block-token', 'proxy']) {
    if (!simnet.getContractsInterfaces().has(`${deployer}.${name}`)) deployFixture(name);
  }
}

export function toState(s: ModelState): ChannelState {
  return {
    channelId: hex(s.channelId), nonce: s.nonce, balanceA: s.balanceA, balanceB: s.balanceB,
    htlcs: s.htlcs.map((h) => ({ hash: hex(h.hash), amount: h.amount, expiry: h.expiry, offeredByA: h.offeredByA })),
    action: s.action as ChannelState['action'], actor: s.actor, amount: s.amount, validUntil: s.validUntil, data: hex(s.data),
  };
}

/** The SIP-018 domain hash under another protocol version (a version-1 signature, I6). */
function domainHashOfVersion(contract: string, chainId: number, version: string): Uint8Array {
  if (version === '2') return domainHashOf(contract, chainId);
  return sha256(serializeCVBytes(Cl.tuple({ name: Cl.stringAscii(contract), version: Cl.stringAscii(version), 'chain-id': Cl.uint(chainId) })));
}

const signatures = new Map<string, Uint8Array>(); // noble signing is the slow part: sign once

/** Forget the signatures of finished sequences (each sequence signs for its own channels). */
export function clearSignatures(): void {
  signatures.clear();
}

export function sigBytes(spec: SigSpec): Uint8Array {
  const h = stateHash(toState(spec.over), domainHashOfVersion(spec.contract, spec.chainId, spec.version));
  const cacheKey = `${toHex(h)}|${spec.key}|${spec.signer}`;
  let sig = signatures.get(cacheKey);
  if (sig === undefined) {
    sig = signHash(h, spec.key === 'own' ? keys[spec.signer]! : sessionKey(spec.signer));
    signatures.set(cacheKey, sig);
  }
  if (spec.form === 'high-s') return highS(sig); // recovers the same key
  if (spec.form === 'short') return sig.slice(0, 64);
  const out = Uint8Array.from(sig);
  if (spec.form === 'recid-2') out[64] = 2;
  if (spec.form === 'flip-v') out[64] = out[64]! ^ 1;
  return out;
}

export const signed = (sub: Submission): Signed => ({ state: toState(sub.state), sigA: sigBytes(sub.sigA), sigB: sigBytes(sub.sigB) });

/** A signer-key argument: the session key of `of`, or a malformed key (uncompressed prefix). */
export function signerKeyBytes(arg: { kind: 'session'; of: string } | { kind: 'bad' }): Uint8Array {
  if (arg.kind === 'session') return sessionPublicKey(arg.of);
  const bad = Uint8Array.from(sessionPublicKey(deployer));
  bad[0] = 0x04;
  return bad;
}


/** A ClarityValue decoded with the shape get-channel gives, into the model's record. */
function toRecord(p: Record<string, unknown>, htlcs: { hash: string; amount: bigint; expiry: bigint; 'offered-by-a': boolean }[]): ModelChannel {
  return {
    participantA: p['participant-a'] as string, participantB: p['participant-b'] as string, token: p.token as TokenId,
    window: p.window as bigint, total: p.total as bigint, status: p.status as bigint, nonce: p.nonce as bigint,
    balanceA: p['balance-a'] as bigint, balanceB: p['balance-b'] as bigint, htlcCount: p['htlc-count'] as bigint,
    htlcs: htlcs.map((h) => ({ hash: h.hash.replace(/^0x/, ''), amount: h.amount, expiry: h.expiry, offeredByA: h['offered-by-a'] })),
    closer: p.closer as bigint, deadlineBurn: p['deadline-burn'] as bigint, deadlineTenure: p['deadline-tenure'] as bigint,
    cheater: p.cheater as bigint,
  };
}

/** get-channel, the contract's own reader (a read-only call costs as much as a public one: the contract is large). */
export function readRecord(id: string): ModelChannel | null {
  const r = simnet.callReadOnlyFn(CHANNEL, 'get-channel', [Cl.bufferFromHex(id)], alice).result;
  if (r.type === 'none') return null;
  const p = plain(r) as Record<string, unknown> & { htlcs: { hash: string; amount: bigint; expiry: bigint; 'offered-by-a': boolean }[] };
  return toRecord(p, p.htlcs);
}

/** The same record straight from storage (`channels`, `checkpoints`, `channel-htlcs`): what every step checks, cheaply. */
export function readStored(id: string): ModelChannel | null {
  const key = Cl.bufferFromHex(id);
  const ch = mapEntryOrNone('channels', key);
  const cp = mapEntryOrNone('checkpoints', key);
  if (ch.type === 'none' || cp.type === 'none') return null;
  const list = mapEntryOrNone('channel-htlcs', key);
  const htlcs = (list.type === 'none' ? [] : plain(list)) as { hash: string; amount: bigint; expiry: bigint; 'offered-by-a': boolean }[];
  return toRecord({ ...(plain(ch) as Record<string, unknown>), ...(plain(cp) as Record<string, unknown>) }, htlcs);
}

/** get-unpaid (read-only). */
export function readUnpaid(id: string, owner: string): bigint {
  return plain(simnet.callReadOnlyFn(CHANNEL, 'get-unpaid', [Cl.bufferFromHex(id), Cl.principal(owner)], alice).result) as bigint;
}

/** An `unpaid` entry straight from storage. */
export function storedUnpaid(id: string, owner: string): bigint {
  const v = mapEntryOrNone('unpaid', Cl.tuple({ 'channel-id': Cl.bufferFromHex(id), owner: Cl.principal(owner) }));
  return v.type === 'none' ? 0n : (plain(v) as bigint);
}

/** The contract's channel-count: the seq the next channel takes. */
export function storedChannelCount(): bigint {
  return plain(simnet.getDataVar(CHANNEL, 'channel-count')) as bigint;
}

/**
 * Run `f` with console.log muted: the simnet logs every print event of every call, and
 * vitest ships each line to its main process (which drops them, vitest.config.ts) over
 * the same RPC channel a long run must keep clear; a call costs a fifth less without.
 */
export function quiet<T>(f: () => T): T {
  const log = console.log;
  console.log = () => {};
  try {
    return f();
  } finally {
    console.log = log;
  }
}

/** Burn and tenure height as a call made now sees them. */
export function readEnv(): Env {
  const tenure = plain(Cl.deserialize(simnet.runSnippet('tenure-height') as string)) as bigint;
  return { burn: BigInt(simnet.burnBlockHeight), tenure };
}

/** The simnet asset map's key for a token (every token here names its asset like its contract). */
const assetKey = (token: TokenId) => (token === null ? 'STX' : `.${token.split('.')[1]}.${token.split('.')[1]}`);

/** Every balance from one read of the simnet's asset map. */
export function snapshotBalances(): (token: TokenId, who: string) => bigint {
  const assets = simnet.getAssetsMap();
  return (token, who) => assets.get(assetKey(token))?.get(who) ?? 0n;
}

/** A token's own answer for a balance (get-balance), to check the snapshot's asset keys. */
export function tokenGetBalance(token: string, who: string): bigint {
  return plain(simnet.callReadOnlyFn(token, 'get-balance', [Cl.principal(who)], alice).result) as bigint;
}

