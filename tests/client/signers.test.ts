// The Signer implementations against the contract: a local key signs what
// verify-payment accepts with every backend; a session key is refused until its owner
// authorises it (add-signer or create-channel's signer argument), and only for that
// owner; a wallet signer accepts every shape real wallets return (0x or not, RSV or
// VRS, V as 0/1, 27/28 or 31/32, high S), turns it into the canonical signature, and
// refuses another account, another message, malformed answers and user rejection with
// typed errors. @stacks/connect stays out of every static import.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Cl, serializeCVBytes, signStructuredData } from '@stacks/transactions';
import { sha256 } from '@noble/hashes/sha2.js';
import { domainHash, domainToClarity, encodeState, stateHash, type ChannelState, type Domain } from '../../client/src/codec/index.js';
import { BACKEND_NAMES, bigIntTo32, CURVE_ORDER, nobleBackend, sOf } from '../../client/src/crypto/index.js';
import { LocalKeySigner, SessionKeySigner, type Signer } from '../../client/src/signers/index.js';
import { delegationHash, delegationMessage } from '../../client/src/peer/delegation.js';
import {
  WalletSigner,
  type StructuredMessageParams,
  type StructuredMessageRequest,
  type StructuredMessageResult,
} from '../../client/src/wallet-entry.js';
import {
  alice,
  bob,
  CHANNEL,
  ERR,
  keys,
  mallory,
  open,
  SIMNET_CHAIN_ID,
  state,
  verify,
  type Channel,
} from '../contracts/helpers.js';

const DOMAIN: Domain = { contract: CHANNEL, chainId: SIMNET_CHAIN_ID };
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** Sign `s` as A and B with two signers, as a participant's client would. */
async function signBoth(s: ChannelState, a: Signer, b: Signer) {
  const h = stateHash(s, domainHash(DOMAIN));
  return { state: s, sigA: await a.signState(s, DOMAIN, h), sigB: await b.signState(s, DOMAIN, h) };
}

async function rejection(p: Promise<unknown>): Promise<{ name?: string; code?: string; cause?: unknown }> {
  try {
    await p;
  } catch (e) {
    return e as { name?: string; code?: string; cause?: unknown };
  }
  throw new Error('expected a rejection');
}

const payment = (ch: Channel, nonce = 1n) => state(ch, { nonce, balanceA: 900n, balanceB: 100n });

describe('LocalKeySigner', () => {
  it('signs identically with every backend, and the contract accepts it', async () => {
    const ch = open(alice, bob, 1000n);
    const s = payment(ch);
    const sigs: string[] = [];
    for (const backend of BACKEND_NAMES) {
      const signed = await signBoth(s, new LocalKeySigner(keys[alice]!, { backend }), new LocalKeySigner(keys[bob]!, { backend }));
      expect(verify(ch, signed), backend).toBeOk(expect.anything());
      sigs.push(hex(signed.sigA));
    }
    expect(new Set(sigs).size).toBe(1);
    // the default backend (selectBackend) signs the same bytes
    const signer = new LocalKeySigner(keys[alice]!);
    expect(hex(await signer.signState(s, DOMAIN, stateHash(s, domainHash(DOMAIN))))).toBe(sigs[0]);
    expect(hex(signer.publicKey)).toBe(hex(nobleBackend.publicKeyOf(keys[alice]!)));
  });

  it('refuses an invalid key at construction and a hash that is not 32 bytes', async () => {
    expect(() => new LocalKeySigner(new Uint8Array(32))).toThrow(expect.objectContaining({ code: 'PRIVATE_KEY_INVALID' }));
    expect(() => new LocalKeySigner(bigIntTo32(CURVE_ORDER))).toThrow(expect.objectContaining({ code: 'PRIVATE_KEY_INVALID' }));
    const signer = new LocalKeySigner(keys[alice]!);
    const s = payment({ id: new Uint8Array(32), a: alice, b: bob, token: null, contract: CHANNEL });
    expect(await rejection(signer.signState(s, DOMAIN, new Uint8Array(64)))).toMatchObject({ code: 'HASH_LENGTH' });
  });
});

describe('SessionKeySigner', () => {
  it('makes a fresh key from the OS RNG each time, compressed and valid', () => {
    const a = new SessionKeySigner();
    const b = new SessionKeySigner();
    expect(a.signerKey.length).toBe(33);
    expect([2, 3]).toContain(a.signerKey[0]);
    expect(hex(a.signerKey)).not.toBe(hex(b.signerKey));
  });

  it("is refused before add-signer, accepted after, and never for the other participant", async () => {
    const ch = open(alice, bob, 1000n);
    const session = new SessionKeySigner();
    const bobSigner = new LocalKeySigner(keys[bob]!);
    const signed = await signBoth(payment(ch), session, bobSigner);
    expect(verify(ch, signed)).toBeErr(Cl.uint(ERR.SIGNATURE_A));

    // bob authorising alice's session key makes it bob's signer, not alice's
    const byBob = simnet.callPublicFn(CHANNEL, 'add-signer', [Cl.buffer(ch.id), Cl.buffer(session.signerKey)], bob);
    expect(byBob.result).toBeOk(Cl.bool(true));
    expect(verify(ch, signed)).toBeErr(Cl.uint(ERR.SIGNATURE_A));

    const byAlice = simnet.callPublicFn(CHANNEL, 'add-signer', [Cl.buffer(ch.id), Cl.buffer(session.signerKey)], alice);
    expect(byAlice.result).toBeOk(Cl.bool(true));
    expect(verify(ch, signed)).toBeOk(expect.anything());

    // and it stays a signer of alice only in this channel
    const other = open(alice, bob, 1000n);
    expect(verify(other, await signBoth(payment(other), session, bobSigner))).toBeErr(Cl.uint(ERR.SIGNATURE_A));
  });

  it("is accepted at once when registered through create-channel's signer argument", async () => {
    const session = new SessionKeySigner();
    const ch = open(alice, bob, 1000n, { signer: session.signerKey });
    const signed = await signBoth(payment(ch), session, new LocalKeySigner(keys[bob]!));
    expect(verify(ch, signed)).toBeOk(expect.anything());
  });
});

// ---- WalletSigner -------------------------------------------------------------------

const alicePub = nobleBackend.publicKeyOf(keys[alice]!);

/** A wallet built on stacks.js's own SIP-018 signer (what Leather/Xverse run), reshaped by `shape`. */
function fakeWallet(
  key: Uint8Array,
  shape: (rsv: Uint8Array) => string = (rsv) => hex(rsv),
  opts: { publicKey?: string } = {},
): StructuredMessageRequest & { calls: StructuredMessageParams[] } {
  const calls: StructuredMessageParams[] = [];
  const request = async (method: string, params: StructuredMessageParams): Promise<StructuredMessageResult> => {
    expect(method).toBe('stx_signStructuredMessage');
    calls.push(params);
    const rsv = Buffer.from(signStructuredData({ message: params.message, domain: params.domain, privateKey: hex(key) }), 'hex');
    return { signature: shape(Uint8Array.from(rsv)), ...(opts.publicKey === undefined ? {} : { publicKey: opts.publicKey }) };
  };
  return Object.assign(request, { calls });
}

const vrs = (rsv: Uint8Array, v = rsv[64]!) => Uint8Array.from([v, ...rsv.subarray(0, 64)]);
const withV = (rsv: Uint8Array, v: number) => Uint8Array.from([...rsv.subarray(0, 64), v]);
function highS(rsv: Uint8Array): Uint8Array {
  const out = Uint8Array.from(rsv);
  out.set(bigIntTo32(CURVE_ORDER - sOf(rsv)), 32);
  out[64] = out[64]! ^ 1;
  return out;
}

const SHAPES: [string, (rsv: Uint8Array) => string][] = [
  ['RSV hex, V 0/1', (s) => hex(s)],
  ['0x-prefixed RSV', (s) => '0x' + hex(s)],
  ['upper-case RSV', (s) => hex(s).toUpperCase()],
  ['RSV, V 27/28', (s) => hex(withV(s, s[64]! + 27))],
  ['RSV, V 31/32', (s) => hex(withV(s, s[64]! + 31))],
  ['VRS, V 0/1', (s) => hex(vrs(s))],
  ['0x-prefixed VRS, V 27/28', (s) => '0x' + hex(vrs(s, s[64]! + 27))],
  ['VRS, V 31/32', (s) => hex(vrs(s, s[64]! + 31))],
  ['high-S RSV', (s) => hex(highS(s))],
  ['high-S VRS, V 27/28', (s) => {
    const h = highS(s);
    return hex(vrs(h, h[64]! + 27));
  }],
];

describe('WalletSigner', () => {
  it('asks the wallet for the SIP-018 structured message: the state tuple and the domain', async () => {
    const ch = open(alice, bob, 1000n);
    const s = payment(ch);
    const wallet = fakeWallet(keys[alice]!);
    await new WalletSigner({ request: wallet, publicKey: alicePub }).signState(s, DOMAIN, stateHash(s, domainHash(DOMAIN)));
    expect(wallet.calls).toHaveLength(1);
    expect(hex(serializeCVBytes(wallet.calls[0]!.message))).toBe(hex(encodeState(s)));
    expect(hex(serializeCVBytes(wallet.calls[0]!.domain))).toBe(hex(serializeCVBytes(domainToClarity(DOMAIN))));
    expect(hex(sha256(serializeCVBytes(wallet.calls[0]!.domain)))).toBe(hex(domainHash(DOMAIN)));
  });

  it('normalises every wallet shape to the canonical signature, which the contract accepts', async () => {
    const ch = open(alice, bob, 1000n);
    const s = payment(ch);
    const h = stateHash(s, domainHash(DOMAIN));
    const canonical = hex(nobleBackend.sign(h, keys[alice]!));
    const sigB = nobleBackend.sign(h, keys[bob]!);
    for (const [name, shape] of SHAPES) {
      // shown the key three ways: configured, by address, and only in the wallet's answer
      for (const opts of [{ publicKey: alicePub }, { address: alice }, {}]) {
        const wallet = fakeWallet(keys[alice]!, shape, { publicKey: hex(alicePub) });
        const sig = await new WalletSigner({ request: wallet, ...opts }).signState(s, DOMAIN, h);
        expect(hex(sig), `${name} ${Object.keys(opts)}`).toBe(canonical);
      }
      const sig = await new WalletSigner({ request: fakeWallet(keys[alice]!, shape), publicKey: alicePub }).signState(s, DOMAIN, h);
      expect(verify(ch, { state: s, sigA: sig, sigB }), name).toBeOk(expect.anything());
    }
  });

  it('reads RSV and VRS apart by the key when both ends of the bytes look like recovery bytes', async () => {
    const ch = open(alice, bob, 1000n);
    const looksLikeV = new Set([0, 1, 27, 28, 31, 32]);
    let foundVrs = false;
    let foundRsv = false;
    for (let n = 1n; n < 2000n && !(foundVrs && foundRsv); n++) {
      const s = payment(ch, n);
      const h = stateHash(s, domainHash(DOMAIN));
      const rsv = nobleBackend.sign(h, keys[alice]!);
      if (!foundVrs && looksLikeV.has(rsv[63]!)) {
        // VRS whose last byte (the end of S) reads as a V: the RSV reading is garbage
        foundVrs = true;
        const signer = new WalletSigner({ request: fakeWallet(keys[alice]!, (x) => hex(vrs(x))), publicKey: alicePub });
        expect(hex(await signer.signState(s, DOMAIN, h))).toBe(hex(rsv));
      }
      if (!foundRsv && looksLikeV.has(rsv[0]!)) {
        // RSV whose first byte (the start of R) reads as a V; with no key known, RSV wins
        foundRsv = true;
        const signer = new WalletSigner({ request: fakeWallet(keys[alice]!) });
        expect(hex(await signer.signState(s, DOMAIN, h))).toBe(hex(rsv));
      }
    }
    expect(foundVrs && foundRsv).toBe(true);
  });

  it('refuses a signature by another account, however the key is known', async () => {
    const ch = open(alice, bob, 1000n);
    const s = payment(ch);
    const h = stateHash(s, domainHash(DOMAIN));
    for (const opts of [{ publicKey: alicePub }, { address: alice }]) {
      const signer = new WalletSigner({ request: fakeWallet(keys[mallory]!), ...opts });
      expect(await rejection(signer.signState(s, DOMAIN, h))).toMatchObject({
        name: 'WalletSignatureError',
        code: 'WALLET_SIGNATURE_MISMATCH',
      });
    }
    // a wallet that names alice's key but signs with mallory's
    const liar = new WalletSigner({ request: fakeWallet(keys[mallory]!, undefined, { publicKey: hex(alicePub) }) });
    expect(await rejection(liar.signState(s, DOMAIN, h))).toMatchObject({ code: 'WALLET_SIGNATURE_MISMATCH' });
  });

  it('learns the key from the first signature and refuses a switched account afterwards', async () => {
    const ch = open(alice, bob, 1000n);
    let key = keys[alice]!;
    const signer = new WalletSigner({ request: (m, p) => fakeWallet(key)(m, p) });
    expect(signer.publicKey).toBeNull();
    const s1 = payment(ch, 1n);
    await signer.signState(s1, DOMAIN, stateHash(s1, domainHash(DOMAIN)));
    expect(hex(signer.publicKey!)).toBe(hex(alicePub));
    key = keys[mallory]!;
    const s2 = payment(ch, 2n);
    expect(await rejection(signer.signState(s2, DOMAIN, stateHash(s2, domainHash(DOMAIN))))).toMatchObject({
      code: 'WALLET_SIGNATURE_MISMATCH',
    });
  });

  it('refuses a signature of another message than the state it was given', async () => {
    const ch = open(alice, bob, 1000n);
    const s = payment(ch, 5n);
    // the wallet is shown nonce 5 but the client expects the hash of nonce 6
    const signer = new WalletSigner({ request: fakeWallet(keys[alice]!), publicKey: alicePub });
    expect(await rejection(signer.signState(s, DOMAIN, stateHash(payment(ch, 6n), domainHash(DOMAIN))))).toMatchObject({
      code: 'WALLET_SIGNATURE_MISMATCH',
    });
  });

  it('signs a session key\'s delegation once, as the account the key is to speak for', async () => {
    const session = nobleBackend.publicKeyOf(new Uint8Array(32).fill(9));
    const d = { principal: alice, sessionKey: session, expires: 2_000_000_000 };
    const wallet = fakeWallet(keys[alice]!, (x) => '0x' + hex(vrs(x, x[64]! + 27)));
    const sig = await new WalletSigner({ request: wallet }).signDelegation(d, SIMNET_CHAIN_ID);
    // the wallet was shown the delegation itself, and its answer is the hash's canonical signature
    const shown = delegationMessage(d, SIMNET_CHAIN_ID);
    expect(hex(serializeCVBytes(wallet.calls[0]!.message))).toBe(hex(serializeCVBytes(shown.message)));
    expect(hex(serializeCVBytes(wallet.calls[0]!.domain))).toBe(hex(serializeCVBytes(shown.domain)));
    expect(hex(sig)).toBe(hex(nobleBackend.sign(delegationHash(d, SIMNET_CHAIN_ID), keys[alice]!)));
    // a wallet on another account: refused here, with what to do, rather than by the hub
    expect(await rejection(new WalletSigner({ request: fakeWallet(keys[mallory]!) }).signDelegation(d, SIMNET_CHAIN_ID))).toMatchObject({
      code: 'WALLET_SIGNATURE_MISMATCH', message: expect.stringContaining('switch the wallet') as string,
    });
  });

  it('refuses malformed answers with WALLET_SIGNATURE_MALFORMED', async () => {
    const ch = open(alice, bob, 1000n);
    const s = payment(ch);
    const h = stateHash(s, domainHash(DOMAIN));
    const answers: [string, unknown][] = [
      ['not hex', 'zz'.repeat(65)],
      ['64 bytes', '11'.repeat(64)],
      ['66 bytes', '11'.repeat(66)],
      ['no signature', undefined],
      ['a number', 42],
      ['no valid recovery byte at either end', '05' + '11'.repeat(63) + '05'],
      ['V 29 (recovery id 2)', '11'.repeat(64) + '1d'],
      ['S = 0 with V 0', '2a' + '11'.repeat(31) + '00'.repeat(32) + '00'],
    ];
    for (const [name, signature] of answers) {
      const request = async () => ({ signature }) as unknown as StructuredMessageResult;
      const e = await rejection(new WalletSigner({ request, publicKey: alicePub }).signState(s, DOMAIN, h));
      expect(e, name).toMatchObject({ name: 'WalletSignatureError', code: 'WALLET_SIGNATURE_MALFORMED' });
    }
    const nothing = async () => null as unknown as StructuredMessageResult;
    expect(await rejection(new WalletSigner({ request: nothing }).signState(s, DOMAIN, h))).toMatchObject({
      code: 'WALLET_SIGNATURE_MALFORMED',
    });
  });

  it('turns a user rejection into WalletRejectedError and other failures into WalletRequestError', async () => {
    const ch = open(alice, bob, 1000n);
    const s = payment(ch);
    const h = stateHash(s, domainHash(DOMAIN));
    const failing = (e: unknown) => new WalletSigner({ request: async () => Promise.reject(e) }).signState(s, DOMAIN, h);
    for (const code of [-32000, -31001, 4001]) {
      const cause = Object.assign(new Error('User rejected the request'), { code });
      expect(await rejection(failing(cause)), String(code)).toMatchObject({ name: 'WalletRejectedError', code: 'WALLET_REJECTED', cause });
    }
    const cause = new Error('no wallet installed');
    expect(await rejection(failing(cause))).toMatchObject({ name: 'WalletRequestError', code: 'WALLET_REQUEST_FAILED', cause });
  });

  it('loads @stacks/connect only by dynamic import, nowhere statically', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const f of readdirSync(dir)) {
        const p = join(dir, f);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts')) files.push(p);
      }
    };
    walk(join(__dirname, '../../client/src'));
    const staticImport = /^\s*(import|export)\s[^;]*?from\s+['"]@stacks\/connect['"]/m;
    const offenders = files.filter((f) => {
      const text = readFileSync(f, 'utf8').replace(/^\s*import\s+type\s[^;]*;/gm, '');
      return staticImport.test(text) || /require\(['"]@stacks\/connect['"]\)/.test(text);
    });
    expect(offenders).toEqual([]);
    expect(readFileSync(join(__dirname, '../../client/src/signers/wallet.ts'), 'utf8')).toContain("await import('@stacks/connect')");
  });
});
