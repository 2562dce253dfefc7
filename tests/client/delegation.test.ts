// A session key speaking for an account on the peer network (peer/delegation.ts): the
// hash is exactly what a wallet's stx_signStructuredMessage signs (signStructuredData, as
// Leather does, over the same domain and message); a node accepts the key for the
// account in the handshake; and every forgery is refused: a delegation signed by someone
// else, for another key, on another chain, expired or too long, one on the principal's
// own key; and the connection ends when the delegation runs out.
import { deserializeCV, serializeCV, signStructuredData } from '@stacks/transactions';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CHAIN_ID_MAINNET, CHAIN_ID_TESTNET } from '../../client/src/config/networks.js';
import { nobleBackend } from '../../client/src/crypto/noble.js';
import { sha256 } from '../../client/src/crypto/sha256.js';
import { browserFrameSocket, type WhatwgWebSocket } from '../../client/src/peer/browser-socket.js';
import { MAX_DELEGATION_SECONDS, checkDelegation, delegationHash, delegationMessage, type Delegation } from '../../client/src/peer/delegation.js';
import { PeerCode, type PeerError } from '../../client/src/peer/errors.js';
import { principalOf, type PeerIdentity } from '../../client/src/peer/handshake.js';
import { HubLink } from '../../client/src/peer/hub-link.js';
import { delegatedIdentity, keyIdentity } from '../../client/src/peer/identity.js';
import { PeerNetwork } from '../../client/src/peer/network.js';
import type { PeerSession } from '../../client/src/peer/session.js';
import { normaliseWalletSignature } from '../../client/src/signers/wallet-signature.js';
import { KEY_A, KEY_B, KEY_MALLORY, PRINCIPAL_A, PRINCIPAL_B } from './fixtures/peers.js';

const b = nobleBackend;
const recover = (h: Uint8Array, s: Uint8Array) => b.recover(h, s);
const SESSION = sha256(new TextEncoder().encode('a page session key'));
const SESSION_PUB = b.publicKeyOf(SESSION);
const now = () => Math.floor(Date.now() / 1000);
const hex = (u: Uint8Array) => Buffer.from(u).toString('hex');

/** The account's signature of a delegation, as a wallet makes it (hex in, bytes out, RSV). */
function walletSigns(d: Delegation, key: Uint8Array, chainId = CHAIN_ID_TESTNET): Uint8Array {
  const { domain, message } = delegationMessage(d, chainId);
  // what the page sends the wallet, and what Leather does with it
  const sig = signStructuredData({ domain: deserializeCV(serializeCV(domain)), message: deserializeCV(serializeCV(message)), privateKey: hex(key) + '01' });
  return normaliseWalletSignature(sig, delegationHash(d, chainId), { publicKey: b.publicKeyOf(key), addressHash160: null }, b).signature;
}

const running: { close(): unknown }[] = [];
afterEach(async () => {
  for (const r of running.splice(0).reverse()) await r.close();
});

async function hub() {
  const sessions: PeerSession[] = [];
  const errors: PeerError[] = [];
  const n = new PeerNetwork({
    identity: keyIdentity(KEY_B, b, CHAIN_ID_TESTNET), chainId: CHAIN_ID_TESTNET, recover, keepaliveMs: 0,
    onSession: (s) => sessions.push(s), onConnectionError: (e) => errors.push(e), onRequest: () => 'ok',
  });
  running.push(n);
  return { url: await n.listen(0), sessions, errors };
}

function dial(url: string, identity: PeerIdentity) {
  const l = new HubLink({
    url, identity, chainId: CHAIN_ID_TESTNET, recover, expect: PRINCIPAL_B, redial: { firstMs: 20, maxMs: 50 },
    socket: (u) => browserFrameSocket(new WebSocket(u) as unknown as WhatwgWebSocket),
  });
  running.push(l);
  return l;
}

const delegation = (o: Partial<Delegation> = {}): Delegation => ({ principal: PRINCIPAL_A, sessionKey: SESSION_PUB, expires: now() + 3600, ...o });

describe('a delegation to a session key', () => {
  it('is the SIP-018 hash a wallet signs, so a wallet-made signature verifies', () => {
    const d = delegation();
    const sig = walletSigns(d, KEY_A);
    expect(hex(b.recover(delegationHash(d, CHAIN_ID_TESTNET), sig))).toBe(hex(b.publicKeyOf(KEY_A)));
    expect(() => checkDelegation(d, sig, { chainId: CHAIN_ID_TESTNET, nowSeconds: now(), recover, ownerOf: (k) => principalOf(k, CHAIN_ID_TESTNET) })).not.toThrow();
    // each field is in what is signed
    for (const other of [delegation({ expires: d.expires + 1 }), delegation({ sessionKey: b.publicKeyOf(KEY_MALLORY) }), delegation({ principal: PRINCIPAL_B })]) {
      expect(hex(delegationHash(other, CHAIN_ID_TESTNET))).not.toBe(hex(delegationHash(d, CHAIN_ID_TESTNET)));
    }
    expect(hex(delegationHash(d, CHAIN_ID_MAINNET))).not.toBe(hex(delegationHash(d, CHAIN_ID_TESTNET)));
  });

  it('lets the session key speak for the account in the handshake', async () => {
    const h = await hub();
    const d = delegation();
    const link = dial(h.url, delegatedIdentity(SESSION, b, d, walletSigns(d, KEY_A)));
    const session = await link.ready;
    expect(await session.request('ping', {})).toBe('ok');
    await expect.poll(() => h.sessions.length).toBe(1);
    expect(h.sessions[0]!.principal).toBe(PRINCIPAL_A);
    expect(hex(h.sessions[0]!.publicKey)).toBe(hex(SESSION_PUB));
  });

  it('refuses every forgery: another signer, another key, another chain, expired, too long, the own key', async () => {
    const h = await hub();
    const d = delegation();
    const cases: [string, PeerIdentity, string][] = [
      ['signed by Mallory', delegatedIdentity(SESSION, b, d, b.sign(delegationHash(d, CHAIN_ID_TESTNET), KEY_MALLORY)), 'not by'],
      ['for another session key', delegatedIdentity(SESSION, b, d, walletSigns(delegation({ sessionKey: b.publicKeyOf(KEY_MALLORY) }), KEY_A)), 'not by'],
      ['on mainnet', delegatedIdentity(SESSION, b, d, b.sign(delegationHash(d, CHAIN_ID_MAINNET), KEY_A)), 'not by'],
      ['expired', delegatedIdentity(SESSION, b, delegation({ expires: now() - 1 }), walletSigns(delegation({ expires: now() - 1 }), KEY_A)), 'expired'],
      ['too long', delegatedIdentity(SESSION, b, delegation({ expires: now() + MAX_DELEGATION_SECONDS + 60 }), walletSigns(delegation({ expires: now() + MAX_DELEGATION_SECONDS + 60 }), KEY_A)), 'at most'],
      ['on the own key', { ...keyIdentity(KEY_A, b, CHAIN_ID_TESTNET), delegation: { expires: d.expires, sig: walletSigns(d, KEY_A) } }, "own key"],
      ['claiming A without one', { ...keyIdentity(SESSION, b, CHAIN_ID_TESTNET), principal: PRINCIPAL_A }, 'claims'],
    ];
    for (const [what, identity, says] of cases) {
      h.errors.length = 0;
      const link = dial(h.url, identity);
      await expect(link.ready, what).rejects.toMatchObject({ code: PeerCode.Refused });
      await expect.poll(() => h.errors.length, { message: what }).toBeGreaterThan(0);
      expect(h.errors[0], what).toMatchObject({ code: PeerCode.AuthFailed, message: expect.stringContaining(says) as string });
      link.close();
    }
    expect(h.sessions).toEqual([]);
  });

  it('ends the connection when the delegation runs out', async () => {
    const h = await hub();
    const d = delegation({ expires: now() + 2 });
    const ends: (PeerError | null)[] = [];
    const link = new HubLink({
      url: h.url, identity: delegatedIdentity(SESSION, b, d, walletSigns(d, KEY_A)), chainId: CHAIN_ID_TESTNET, recover, redial: { firstMs: 20, maxMs: 50 },
      socket: (u) => browserFrameSocket(new WebSocket(u) as unknown as WhatwgWebSocket), onDisconnected: (e) => ends.push(e),
    });
    running.push(link);
    await link.ready;
    await expect.poll(() => ends.length, { timeout: 5_000 }).toBeGreaterThan(0);
    expect(ends[0]).toMatchObject({ code: PeerCode.Refused, message: expect.stringContaining('has expired') as string });
    expect(h.errors.map((e) => e.message)).toContain('the delegation to this session key has expired');
    // and it does not dial again with a key that speaks for no one
    await new Promise((r) => setTimeout(r, 200));
    expect(link.connected).toBe(false);
    expect(ends).toHaveLength(1);
    expect(h.sessions.map((s) => s.principal)).toEqual([PRINCIPAL_A]);
  });
});
