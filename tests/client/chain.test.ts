// The chain layer against the simnet: every builder's call is submitted as built, its
// deny-mode post-conditions are checked against the asset events the call produced,
// the readers read the result back and the print events decode to the same record.
// Also: the error table against the contracts' source, the post-condition checker's
// own attacks, the HTTP reader over a loopback node stand-in, and makeContractCall.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Cl, PostConditionMode, cvToHex, deserializeTransaction, hexToCV, makeContractCall, postConditionToWire,
  type ClarityValue, type PostCondition, type TupleCV,
} from '@stacks/transactions';
import { createNetwork } from '@stacks/network';
import * as chain from '../../client/src/chain/index.js';
import { BitStreamError, InvalidInputError } from '../../client/src/errors/errors.js';
import {
  Action, CHANNEL, REGISTRY, SBTC, TEST_TOKEN, WINDOW, alice, bob, carol, domainHashOf, keys, mint, publicKeyOf,
  secretPair, sign, state, stateHash, stxBalance, toHex, tokenBalance, type Channel,
} from '../contracts/helpers.js';
import { chainTime, ctx, sources, submit, submitErr, type Submitted } from './chain-harness.js';

const ERR = { STALE_NONCE: 304, WRONG_TOKEN: 402, HTLC_PENDING: 502 } as const;

/** Open a channel through the create-channel builder. */
function create(a: string, b: string, amount: bigint, token: string | null): { ch: Channel; sub: Submitted } {
  const call = chain.buildCreateChannel({ contract: CHANNEL, sender: a, participantB: b, token, amount, window: WINDOW });
  const sub = submit(call, a);
  const id = chain.asBuffer(chain.unwrapResponse(sub.result, 'bitstream'), 'channel-id', 32);
  return { ch: { id, a, b, token, contract: CHANNEL }, sub };
}

/**
 * The call printed exactly one event of `kind`, whose checkpoint (joined to the identity
 * create-channel printed) is what get-channel now reads.
 */
async function expectEvent(sub: Submitted, kind: chain.ChannelEvent['kind'], ch: Channel): Promise<chain.ChannelRecord> {
  expect(sub.events).toHaveLength(1);
  const ev = sub.events[0]!;
  expect(ev.kind).toBe(kind);
  const onChain = await chain.getChannel(ctx, { channelId: ch.id });
  expect(onChain).not.toBeNull();
  if (!('checkpoint' in ev)) throw new Error('not a checkpoint event');
  expect(ev.channelId).toEqual(ch.id);
  const identity = { participantA: ch.a, participantB: ch.b, token: ch.token, window: WINDOW };
  if (ev.kind === 'create-channel') expect(ev.identity).toEqual(identity);
  else if ('identity' in ev) expect(ev.identity).toBeNull();
  expect(chain.joinRecord(identity, ev.checkpoint)).toEqual(onChain);
  return onChain!;
}

const stx = (amount: bigint, address: string, condition = 'eq') => [{ type: 'stx-postcondition', address, condition, amount: String(amount) }];
const ft = (amount: bigint, address: string, token: string, name: string, condition = 'eq') => [
  { type: 'ft-postcondition', address, condition, asset: `${token}::${name}`, amount: String(amount) },
];

describe('error table', () => {
  const constants = (file: string) =>
    [...readFileSync(file, 'utf8').matchAll(/\(define-constant (ERR-[A-Z0-9-]+) \(err u(\d+)\)\)/g)]
      .map((m) => [m[1]!, Number(m[2])] as const)
      .sort((x, y) => x[1] - y[1]);
  const table = (source: chain.ErrorSource) =>
    chain.CONTRACT_ERRORS.filter((e) => e.source === source).map((e) => [e.name, e.value] as const).sort((x, y) => x[1] - y[1]);

  it('lists exactly the define-constant ERR-… lines of bitstream.clar and secret-registry.clar', () => {
    const bitstream = constants('contracts/bitstream.clar');
    const registry = constants('contracts/secret-registry.clar');
    expect(bitstream.length).toBeGreaterThan(20);
    expect(table('bitstream')).toEqual(bitstream);
    expect(table('secret-registry')).toEqual(registry);
  });

  it('puts each error in the area its range names, with a meaning', () => {
    const areaOf: Record<number, chain.ErrorArea> = {
      1: 'authorisation', 2: 'channel-state', 3: 'signatures-and-nonces', 4: 'amounts-and-tokens', 5: 'htlc-and-secrets',
    };
    for (const e of chain.CONTRACT_ERRORS) {
      expect(e.area, e.name).toBe(areaOf[Math.floor(e.value / 100)]);
      expect(e.meaning.length, e.name).toBeGreaterThan(10);
    }
    // native transfer codes pass through the contract's try!: they must not collide
    for (const t of chain.TRANSFER_ERRORS) expect(t.value).toBeLessThan(100);
  });

  it('maps real (err uN) results to typed errors with stable names', () => {
    const { ch } = create(alice, bob, 100n, null);
    const stale = sign(ch, state(ch, { nonce: 0n, balanceA: 100n, balanceB: 0n }));
    const r = simnet.callPublicFn(CHANNEL, 'update-balance', chain.signedArgs('update-balance', stale), alice);
    let caught: unknown;
    try {
      chain.unwrapResponse(r.result, 'bitstream');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(chain.ContractError);
    expect(caught).toBeInstanceOf(BitStreamError);
    expect((caught as chain.ContractError).code).toBe('ERR-STALE-NONCE');
    expect((caught as chain.ContractError).value).toBe(ERR.STALE_NONCE);

    const { secret } = secretPair(41);
    submit(chain.buildRevealSecret({ registry: REGISTRY, secret }), carol);
    const again = simnet.callPublicFn(REGISTRY, 'reveal-secret', [Cl.buffer(secret)], carol);
    expect(() => chain.unwrapResponse(again.result, 'secret-registry')).toThrow(expect.objectContaining({ code: 'ERR-ALREADY-REVEALED' }));

    // a pay-in by an account without the tokens: the token's (err u1) passes through
    const broke = simnet.callPublicFn(CHANNEL, 'create-channel', [Cl.principal(bob), Cl.some(Cl.principal(TEST_TOKEN)), Cl.uint(5), Cl.uint(WINDOW), Cl.none()], carol);
    expect(() => chain.unwrapResponse(broke.result, 'bitstream')).toThrow(expect.objectContaining({ code: 'ERR-TRANSFER-INSUFFICIENT-BALANCE' }));

    const unknown = chain.contractError('bitstream', 999);
    expect(unknown).toBeInstanceOf(chain.UnknownContractError);
    expect(unknown.code).toBe('ERR-UNKNOWN');
  });
});

describe('STX channel through the builders', () => {
  it('create, fund, add-signer, checkpoint, withdraw, close: post-conditions exact, readers and events agree', async () => {
    const escrowBefore = stxBalance(CHANNEL);
    const predicted = await chain.getNextChannelId(ctx, { participantA: alice, participantB: bob, token: null });

    const created = create(alice, bob, 1000n, null);
    const { ch } = created;
    expect(ch.id).toEqual(predicted);
    const createCall = chain.buildCreateChannel({ contract: CHANNEL, sender: alice, participantB: bob, token: null, amount: 1000n, window: WINDOW });
    expect(createCall.postConditionMode).toBe('deny');
    expect(createCall.postConditions).toEqual(stx(1000n, alice));
    expect(created.sub.moves).toEqual([{ asset: 'STX', sender: alice, recipient: CHANNEL, amount: 1000n }]);
    let rec = await expectEvent(created.sub, 'create-channel', ch);
    expect(rec).toMatchObject({ participantA: alice, participantB: bob, token: null, total: 1000n, status: chain.ChannelStatus.Open, nonce: 0n });

    const deposit = sign(ch, state(ch, { nonce: 1n, balanceA: 1000n, balanceB: 500n, action: Action.Deposit, actor: bob, amount: 500n }));
    const fundCall = chain.buildFundChannel({ contract: CHANNEL, signed: deposit, token: null });
    expect(fundCall.postConditions).toEqual(stx(500n, bob));
    const funded = submit(fundCall, bob);
    expect(funded.moves).toEqual([{ asset: 'STX', sender: bob, recipient: CHANNEL, amount: 500n }]);
    rec = await expectEvent(funded, 'fund-channel', ch);
    expect(rec).toMatchObject({ total: 1500n, nonce: 1n, balanceA: 1000n, balanceB: 500n });

    // a session key for alice: later states are signed by it, not by her wallet key
    const sessionKey = new Uint8Array(32).fill(7);
    const addCall = chain.buildAddSigner({ contract: CHANNEL, channelId: ch.id, key: publicKeyOf(sessionKey) });
    expect(addCall.postConditions).toEqual([]);
    expect(await chain.isAuthorisedSigner(ctx, { channelId: ch.id, owner: alice, key: publicKeyOf(sessionKey) })).toBe(false);
    const added = submit(addCall, alice);
    expect(added.events).toEqual([{ kind: 'add-signer', channelId: ch.id, owner: alice, key: publicKeyOf(sessionKey) }]);
    // for alice, in this channel only
    expect(await chain.isAuthorisedSigner(ctx, { channelId: ch.id, owner: alice, key: publicKeyOf(sessionKey) })).toBe(true);
    expect(await chain.isAuthorisedSigner(ctx, { channelId: ch.id, owner: bob, key: publicKeyOf(sessionKey) })).toBe(false);
    expect(await chain.isAuthorisedSigner(ctx, { channelId: new Uint8Array(32), owner: alice, key: publicKeyOf(sessionKey) })).toBe(false);

    const pay = sign(ch, state(ch, { nonce: 2n, balanceA: 900n, balanceB: 600n }), { keyA: sessionKey });
    const verdict = await chain.verifyPayment(ctx, { signed: pay });
    expect(verdict).toEqual({ valid: true, participantA: alice, paysA: 900n, participantB: bob, paysB: 600n, htlcTotal: 0n });
    const update = submit(chain.buildUpdateBalance({ contract: CHANNEL, signed: pay }), bob);
    expect(update.moves).toEqual([]);
    rec = await expectEvent(update, 'update-balance', ch);
    expect(rec).toMatchObject({ nonce: 2n, balanceA: 900n, balanceB: 600n });

    const wd = sign(ch, state(ch, { nonce: 3n, balanceA: 900n, balanceB: 500n, action: Action.Withdraw, actor: bob, amount: 100n }));
    const wdCall = chain.buildWithdraw({ contract: CHANNEL, signed: wd, token: null });
    expect(wdCall.postConditions).toEqual(stx(100n, CHANNEL));
    const withdrawn = submit(wdCall, bob);
    expect(withdrawn.moves).toEqual([{ asset: 'STX', sender: CHANNEL, recipient: bob, amount: 100n }]);
    rec = await expectEvent(withdrawn, 'withdraw', ch);
    expect(rec).toMatchObject({ total: 1400n, nonce: 3n });

    const close = sign(ch, state(ch, { nonce: 4n, balanceA: 850n, balanceB: 550n, action: Action.Close }));
    const closeCall = chain.buildCloseChannel({ contract: CHANNEL, signed: close, token: null });
    // at most: a token that refuses one side leaves that payout claimable (PROTOCOL 6.5)
    expect(closeCall.postConditions).toEqual(stx(1400n, CHANNEL, 'lte'));
    const closed = submit(closeCall, alice);
    expect(closed.moves).toEqual([
      { asset: 'STX', sender: CHANNEL, recipient: alice, amount: 850n },
      { asset: 'STX', sender: CHANNEL, recipient: bob, amount: 550n },
    ]);
    rec = await expectEvent(closed, 'close-channel', ch);
    expect(rec).toMatchObject({ status: chain.ChannelStatus.Closed, total: 0n, closer: alice });
    // conservation: everything escrowed for this channel went back out
    expect(stxBalance(CHANNEL)).toBe(escrowBefore);
  });
});

describe('sBTC dispute through the builders', () => {
  it('stale initiate-dispute by bob, challenge, resolve with penalty, reveal and settle the HTLC', async () => {
    const asset = `${SBTC}::sbtc-token`;
    mint(SBTC, 5000n, alice);
    mint(SBTC, 5000n, bob);
    const escrowBefore = tokenBalance(SBTC, CHANNEL);
    const { ch, sub } = create(alice, bob, 1000n, SBTC);
    expect(sub.moves).toEqual([{ asset, sender: alice, recipient: CHANNEL, amount: 1000n }]);
    expect(chain.buildCreateChannel({ contract: CHANNEL, sender: alice, participantB: bob, token: SBTC, amount: 1000n, window: WINDOW }).postConditions)
      .toEqual(ft(1000n, alice, SBTC, 'sbtc-token'));
    const deposit = sign(ch, state(ch, { nonce: 1n, balanceA: 1000n, balanceB: 1000n, action: Action.Deposit, actor: bob, amount: 1000n }));
    await expectEvent(submit(chain.buildFundChannel({ contract: CHANNEL, signed: deposit, token: SBTC }), bob), 'fund-channel', ch);

    const { secret, hash } = secretPair(77);
    const expiry = chainTime().tenureHeight + 30n; // HTLC expiries are tenure heights
    const old = sign(ch, state(ch, { nonce: 2n, balanceA: 700n, balanceB: 1300n }));
    const newest = sign(ch, state(ch, {
      nonce: 3n, balanceA: 1200n, balanceB: 600n, htlcs: [{ hash, amount: 200n, expiry, offeredByA: false }],
    }));

    const dispute = submit(chain.buildInitiateDispute({ contract: CHANNEL, signed: old }), bob);
    expect(dispute.moves).toEqual([]);
    let rec = await expectEvent(dispute, 'initiate-dispute', ch);
    expect(rec).toMatchObject({ status: chain.ChannelStatus.Closing, nonce: 2n, closer: bob, cheater: null });

    // a resolve built from this record would pay 2000; after the challenge the contract pays 1800
    const resolveBeforeChallenge = chain.buildResolve({ contract: CHANNEL, channelId: ch.id, record: rec });

    const challenged = submit(chain.buildChallenge({ contract: CHANNEL, signed: newest }), alice);
    rec = await expectEvent(challenged, 'challenge', ch);
    expect(rec).toMatchObject({ nonce: 3n, cheater: bob });
    expect(challenged.events[0]).toMatchObject({ checkpoint: { cheater: 'b' } });

    // window still open: resolve is refused and moves nothing
    submitErr(chain.buildResolve({ contract: CHANNEL, channelId: ch.id, record: rec }), carol, 204);
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    expect(await chain.isWindowEnded(ctx, { channelId: ch.id })).toBe(true);

    const resolveCall = chain.buildResolve({ contract: CHANNEL, channelId: ch.id, record: rec });
    expect(chain.resolvePayout(rec)).toEqual({ payA: 1800n, payB: 0n });
    expect(resolveCall.postConditions).toEqual(ft(1800n, CHANNEL, SBTC, 'sbtc-token', 'lte'));
    const resolved = submit(resolveCall, carol);
    expect(resolved.moves).toEqual([{ asset, sender: CHANNEL, recipient: alice, amount: 1800n }]);
    rec = await expectEvent(resolved, 'resolve', ch);
    expect(rec).toMatchObject({ status: chain.ChannelStatus.Closed, total: 200n });

    // the stale-record resolve bounded 2000 and would have let 1800 through: a bound, not a prediction
    const stale = chain.checkPostConditions(resolved.assets, resolveBeforeChallenge.postConditions, 'deny', carol);
    expect(stale.ok).toBe(true);
    expect(chain.checkPostConditions(resolved.assets, chain.sendsAtMost(CHANNEL, chain.channelAsset(SBTC), 1799n), 'deny', carol).ok).toBe(false);

    // the HTLC (bob → alice) is pending until the secret is revealed
    submitErr(chain.buildSettleHtlc({ contract: CHANNEL, channelId: ch.id, index: 0, record: rec }), carol, ERR.HTLC_PENDING);
    expect(await chain.getRevealHeight(ctx, { hash })).toBeNull();
    const revealed = submit(chain.buildRevealSecret({ registry: REGISTRY, secret }), alice);
    expect(revealed.moves).toEqual([]);
    expect(revealed.events).toEqual([{ kind: 'reveal-secret', hash, secret, height: chainTime().tenureHeight, burnHeight: chainTime().burnHeight }]);
    expect(await chain.getRevealHeight(ctx, { hash })).toBe(chainTime().tenureHeight);

    const settleCall = chain.buildSettleHtlc({ contract: CHANNEL, channelId: ch.id, index: 0, record: rec });
    expect(settleCall.postConditions).toEqual(ft(200n, CHANNEL, SBTC, 'sbtc-token'));
    const settled = submit(settleCall, carol);
    expect(settled.moves).toEqual([{ asset, sender: CHANNEL, recipient: alice, amount: 200n }]);
    expect(settled.events[0]).toMatchObject({ kind: 'settle-htlc', index: 0n, payee: alice, amount: 200n, preimageRevealed: true });
    expect(await chain.isHtlcSettled(ctx, { channelId: ch.id, index: 0 })).toBe(true);
    expect(tokenBalance(SBTC, CHANNEL)).toBe(escrowBefore);
  });
});

describe('sBTC cooperative close through the builders', () => {
  it('pays both balances at once and keeps the HTLC escrowed for settle-htlc', async () => {
    const asset = `${SBTC}::sbtc-token`;
    mint(SBTC, 1000n, alice);
    mint(SBTC, 1000n, bob);
    const { ch } = create(alice, bob, 600n, SBTC);
    const deposit = sign(ch, state(ch, { nonce: 1n, balanceA: 600n, balanceB: 400n, action: Action.Deposit, actor: bob, amount: 400n }));
    submit(chain.buildFundChannel({ contract: CHANNEL, signed: deposit, token: SBTC }), bob);
    const { secret, hash } = secretPair(55);
    const close = sign(ch, state(ch, {
      nonce: 2n, balanceA: 500n, balanceB: 300n, action: Action.Close, htlcs: [{ hash, amount: 200n, expiry: chainTime().tenureHeight + 50n, offeredByA: true }],
    }));
    const call = chain.buildCloseChannel({ contract: CHANNEL, signed: close, token: SBTC });
    expect(call.postConditions).toEqual(ft(800n, CHANNEL, SBTC, 'sbtc-token', 'lte'));
    const closed = submit(call, bob);
    expect(closed.moves).toEqual([
      { asset, sender: CHANNEL, recipient: alice, amount: 500n },
      { asset, sender: CHANNEL, recipient: bob, amount: 300n },
    ]);
    const rec = await expectEvent(closed, 'close-channel', ch);
    expect(rec).toMatchObject({ status: chain.ChannelStatus.Closed, total: 200n });
    submit(chain.buildRevealSecret({ registry: REGISTRY, secret }), bob);
    const settled = submit(chain.buildSettleHtlc({ contract: CHANNEL, channelId: ch.id, index: 0, record: rec }), bob);
    expect(settled.moves).toEqual([{ asset, sender: CHANNEL, recipient: bob, amount: 200n }]);
  });
});

describe('test-token emergency close through the builders', () => {
  it('emergency-close from the checkpoint, resolve without penalty, HTLC refunded after expiry', async () => {
    const asset = `${TEST_TOKEN}::test-token`;
    mint(TEST_TOKEN, 1000n, alice);
    mint(TEST_TOKEN, 1000n, bob);
    const { ch } = create(alice, bob, 500n, TEST_TOKEN);
    const deposit = sign(ch, state(ch, { nonce: 1n, balanceA: 500n, balanceB: 300n, action: Action.Deposit, actor: bob, amount: 300n }));
    const funded = submit(chain.buildFundChannel({ contract: CHANNEL, signed: deposit, token: TEST_TOKEN }), bob);
    expect(funded.moves).toEqual([{ asset, sender: bob, recipient: CHANNEL, amount: 300n }]);

    // the wrong token is refused by the contract and nothing moves
    submitErr(chain.buildWithdraw({ contract: CHANNEL, token: SBTC,
      signed: sign(ch, state(ch, { nonce: 2n, balanceA: 400n, balanceB: 300n, action: Action.Withdraw, actor: alice, amount: 100n })) }), alice, ERR.WRONG_TOKEN);
    const wd = sign(ch, state(ch, { nonce: 2n, balanceA: 400n, balanceB: 300n, action: Action.Withdraw, actor: alice, amount: 100n }));
    const wdCall = chain.buildWithdraw({ contract: CHANNEL, signed: wd, token: TEST_TOKEN });
    // someone outside the channel cannot land it: refused, nothing moves
    submitErr(wdCall, carol, 100);
    expect(wdCall.postConditions).toEqual(ft(100n, CHANNEL, TEST_TOKEN, 'test-token'));
    // the other participant may land alice's withdraw (PROTOCOL §4.3): it pays alice
    expect(submit(wdCall, bob).moves).toEqual([{ asset, sender: CHANNEL, recipient: alice, amount: 100n }]);

    const { hash } = secretPair(90);
    const expiry = chainTime().tenureHeight + 10n;
    const checkpoint = sign(ch, state(ch, { nonce: 3n, balanceA: 200n, balanceB: 400n, htlcs: [{ hash, amount: 100n, expiry, offeredByA: true }] }));
    submit(chain.buildUpdateBalance({ contract: CHANNEL, signed: checkpoint }), alice);

    // bob holds nothing newer than the checkpoint: the client lets him close from it
    const em = submit(chain.buildEmergencyClose({ contract: CHANNEL, channelId: ch.id, floor: 3n, closable: checkpoint }), bob);
    let rec = await expectEvent(em, 'emergency-close', ch);
    expect(rec).toMatchObject({ status: chain.ChannelStatus.Closing, nonce: 3n, closer: bob });
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    const resolved = submit(chain.buildResolve({ contract: CHANNEL, channelId: ch.id, record: rec }), carol);
    expect(resolved.moves).toEqual([
      { asset, sender: CHANNEL, recipient: alice, amount: 200n },
      { asset, sender: CHANNEL, recipient: bob, amount: 400n },
    ]);
    rec = await expectEvent(resolved, 'resolve', ch);

    while (chainTime().tenureHeight <= expiry) simnet.mineEmptyBurnBlocks(1);
    const settled = submit(chain.buildSettleHtlc({ contract: CHANNEL, channelId: ch.id, index: 0, record: rec }), carol);
    expect(settled.moves).toEqual([{ asset, sender: CHANNEL, recipient: alice, amount: 100n }]);
    expect(settled.events[0]).toMatchObject({ kind: 'settle-htlc', payee: alice, preimageRevealed: false });
  });
});

describe('post-condition checker', () => {
  // the node's rule, as the local chain's block producer enforces it; carol is the origin
  const stxSent = (sender: string, recipient: string, amount: bigint): chain.ChainEvent =>
    ({ event: 'stx_transfer_event', data: { sender, recipient, amount: String(amount) } });
  const check = (events: chain.ChainEvent[], pcs: PostCondition[], mode: 'deny' | 'allow' | 'originator', origin = carol) =>
    chain.checkPostConditions(chain.AssetMap.fromEvents(events), pcs, mode, origin);
  const close = [stxSent(CHANNEL, alice, 850n), stxSent(CHANNEL, bob, 550n)];
  const uncovered = (principal: string, asset: string) => `Post-condition check failure: Fungible asset ${asset} was moved by ${principal} but not checked`;

  it('passes the exact bound and fails one unit off either way', () => {
    expect(check(close, chain.sendsExactly(CHANNEL, { kind: 'stx' }, 1400n), 'deny').ok).toBe(true);
    expect(check(close, chain.sendsExactly(CHANNEL, { kind: 'stx' }, 1399n), 'deny').ok).toBe(false);
    expect(check(close, chain.sendsExactly(CHANNEL, { kind: 'stx' }, 1401n), 'deny').ok).toBe(false);
  });

  it('judges a builder\'s post-conditions and their wire form (what a node decodes) alike', () => {
    for (const amount of [1399n, 1400n, 1401n]) {
      const pcs = chain.sendsExactly(CHANNEL, { kind: 'stx' }, amount);
      const assets = chain.AssetMap.fromEvents(close);
      expect(chain.checkPostConditions(assets, pcs.map(postConditionToWire), 'deny', carol))
        .toEqual(chain.checkPostConditions(assets, pcs, 'deny', carol));
    }
  });

  it('fails, in deny mode, a move no post-condition covers', () => {
    // the moves of a close checked against a call that promised to move nothing
    const v = check(close, [], 'deny');
    expect(v.ok).toBe(false);
    expect(v.violations).toEqual([uncovered(CHANNEL, 'STX')]);
    // every uncovered (sender, asset) is reported
    const two = check([...close, { event: 'ft_transfer_event', data: { asset_identifier: `${SBTC}::sbtc-token`, sender: alice, recipient: bob, amount: '7' } }], [], 'deny');
    expect(two.violations).toHaveLength(2);
    expect(two.violations).toContain(uncovered(alice, `${SBTC}::sbtc-token`));
    // a bound on another principal, or on another asset, does not cover the contract's STX
    const other = check(close, chain.sendsExactly(alice, { kind: 'stx' }, 0n + 1n), 'deny');
    expect(other.ok).toBe(false);
    expect(other.violations).toContain(uncovered(CHANNEL, 'STX'));
    const tokenPc = chain.sendsExactly(CHANNEL, chain.channelAsset(SBTC), 1400n);
    const token = check(close, tokenPc, 'deny');
    expect(token.ok).toBe(false);
    expect(token.violations).toContain(uncovered(CHANNEL, 'STX'));
    // allow mode lets uncovered moves through: which is why builders never use it
    expect(check(close, [], 'allow').ok).toBe(true);
  });

  it('counts burns as sends and refuses any NFT move in deny mode', () => {
    const burn: chain.ChainEvent[] = [{ event: 'stx_burn_event', data: { sender: alice, amount: '5' } }];
    expect(check(burn, chain.sendsExactly(alice, { kind: 'stx' }, 5n), 'deny').ok).toBe(true);
    expect(check(burn, chain.sendsExactly(alice, { kind: 'stx' }, 4n), 'deny').ok).toBe(false);
    expect(check(burn, [], 'deny').ok).toBe(false);
    const nft: chain.ChainEvent[] = [
      { event: 'nft_transfer_event', data: { asset_identifier: `${SBTC}::x`, sender: alice, recipient: bob, raw_value: cvToHex(Cl.uint(1)) } },
    ];
    expect(check(nft, [], 'deny').ok).toBe(false);
  });

  it('judges NFT post-conditions by token id', () => {
    const nft: chain.ChainEvent[] = [
      { event: 'nft_transfer_event', data: { asset_identifier: `${SBTC}::x`, sender: alice, recipient: bob, raw_value: cvToHex(Cl.uint(1)) } },
    ];
    const pc = (condition: 'sent' | 'not-sent' | 'maybe-sent', id: bigint): PostCondition[] =>
      [{ type: 'nft-postcondition', address: alice, condition, asset: `${SBTC}::x` as `${string}.${string}::${string}`, assetId: Cl.uint(id) }];
    expect(check(nft, pc('sent', 1n), 'deny').ok).toBe(true);
    expect(check(nft, pc('maybe-sent', 1n), 'deny').ok).toBe(true);
    expect(check(nft, pc('not-sent', 1n), 'deny').ok).toBe(false);
    // naming another token id neither holds ("sent") nor covers the one that moved
    expect(check(nft, pc('sent', 2n), 'deny').violations).toHaveLength(2);
    expect(check(nft, pc('maybe-sent', 2n), 'deny').ok).toBe(false);
  });

  it('resolves an origin post-condition to the origin, and originator mode enforces only the origin', () => {
    const burn: chain.ChainEvent[] = [{ event: 'stx_burn_event', data: { sender: alice, amount: '5' } }];
    const originSends5: PostCondition[] = [{ type: 'stx-postcondition', address: 'origin', condition: 'eq', amount: 5n }];
    expect(check(burn, originSends5, 'deny', alice).ok).toBe(true);
    expect(check(burn, originSends5, 'deny', bob).ok).toBe(false);
    // the contract's payout is not the origin's: originator mode lets it through, not the origin's own send
    expect(check(close, [], 'originator', alice).ok).toBe(true);
    expect(check([...close, stxSent(alice, bob, 1n)], [], 'originator', alice).violations).toEqual([uncovered(alice, 'STX')]);
  });
});

describe('builders refuse bad input at the edge', () => {
  const ch: Channel = { id: new Uint8Array(32).fill(1), a: alice, b: bob, token: null, contract: CHANNEL };
  const good = sign(ch, state(ch, { nonce: 1n, balanceA: 1n, balanceB: 0n }));

  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(InvalidInputError);
      return (e as InvalidInputError).code;
    }
    return 'no error';
  };

  it('names the problem', () => {
    expect(code(() => chain.buildFundChannel({ contract: CHANNEL, signed: good, token: null }))).toBe('NO_ACTOR');
    expect(code(() => chain.buildChallenge({ contract: CHANNEL, signed: { ...good, sigA: good.sigA.subarray(0, 64) } }))).toBe('BAD_LENGTH');
    expect(code(() => chain.buildEmergencyClose({ contract: CHANNEL, channelId: new Uint8Array(31), floor: 1n, closable: good }))).toBe('BAD_LENGTH');
    expect(code(() => chain.buildUpdateBalance({ contract: 'bitstream', signed: good }))).toBe('BAD_CONTRACT_PRINCIPAL');
    expect(code(() => chain.buildSettleHtlc({ contract: CHANNEL, channelId: ch.id, index: 0, record: { token: null, htlcs: [] } }))).toBe('NO_SUCH_HTLC');
    expect(code(() => chain.buildCreateChannel({ contract: CHANNEL, sender: alice, participantB: bob, token: null, amount: -1n, window: WINDOW }))).toBe('BAD_UINT');
    expect(code(() => chain.buildRevealSecret({ registry: REGISTRY, secret: new Uint8Array(33) }))).toBe('BAD_LENGTH');
    // the state itself is checked by the codec's validateState
    const badState = { ...good, state: { ...good.state, channelId: new Uint8Array(31) } };
    expect(code(() => chain.buildInitiateDispute({ contract: CHANNEL, signed: badState }))).toBe('STATE_BUFFER_LENGTH');
    expect(code(() => chain.buildAddSigner({ contract: CHANNEL, channelId: ch.id, key: new Uint8Array(32) }))).toBe('BAD_LENGTH');
    // a state that does not fit the function is refused before it costs a fee
    const closeState = sign(ch, state(ch, { nonce: 1n, balanceA: 1n, balanceB: 0n, action: Action.Close }));
    expect(code(() => chain.buildUpdateBalance({ contract: CHANNEL, signed: closeState }))).toBe('STATE_DOES_NOT_FIT');
    expect(code(() => chain.buildCloseChannel({ contract: CHANNEL, signed: good, token: null }))).toBe('STATE_DOES_NOT_FIT');
    expect(code(() => chain.buildChallenge({ contract: CHANNEL, signed: { ...good, state: { ...good.state, validUntil: 5n } } }))).toBe('STATE_DOES_NOT_FIT');
    expect(code(() => chain.buildCreateChannel({ contract: CHANNEL, sender: 'not-a-principal', participantB: bob, token: null, amount: 1n, window: WINDOW }))).toBe('BAD_PRINCIPAL');
  });

  it('needs the asset name of an unknown token, and uses the table for known ones', () => {
    const unknownToken = `${alice}.some-token`;
    const wd = (assetName?: string) => chain.buildWithdraw({
      contract: CHANNEL, token: unknownToken, ...(assetName === undefined ? {} : { assetName }),
      signed: sign(ch, state(ch, { nonce: 2n, balanceA: 0n, balanceB: 0n, action: Action.Withdraw, actor: alice, amount: 1n })),
    });
    expect(code(() => wd())).toBe('UNKNOWN_TOKEN_ASSET');
    expect(wd('some-asset').postConditions).toEqual(ft(1n, CHANNEL, unknownToken, 'some-asset'));
    expect(code(() => wd('bad name'))).toBe('BAD_ASSET_NAME');
    expect(chain.assetNameOf('SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4.sbtc-token')).toBe('sbtc-token');
    expect(chain.assetNameOf(TEST_TOKEN)).toBe('test-token');
  });
});

describe('unilateral closes refuse the emergency-close trap (PROTOCOL §6.4)', () => {
  it('emergency-close is refused while a newer closable state is held; the unilateral-close builder uses that state', async () => {
    const { ch } = create(alice, bob, 1000n, null);
    const deposit = sign(ch, state(ch, { nonce: 1n, balanceA: 1000n, balanceB: 500n, action: Action.Deposit, actor: bob, amount: 500n }));
    submit(chain.buildFundChannel({ contract: CHANNEL, signed: deposit, token: null }), bob);
    // alice paid bob twice since; the checkpoint (floor 1) still has her at 1000
    const newest = sign(ch, state(ch, { nonce: 3n, balanceA: 700n, balanceB: 800n }));
    let refused: unknown = null;
    try {
      chain.buildEmergencyClose({ contract: CHANNEL, channelId: ch.id, floor: 1n, closable: newest });
    } catch (e) {
      refused = e;
    }
    expect(refused).toBeInstanceOf(InvalidInputError);
    expect((refused as InvalidInputError).code).toBe('UNSAFE_EMERGENCY_CLOSE');
    // the trap itself, done by hand: alice closes from the checkpoint and bob's state proves she was owed less
    submit(chain.buildEmergencyClose({ contract: CHANNEL, channelId: ch.id, floor: 1n, closable: deposit }), alice);
    const challenged = submit(chain.buildChallenge({ contract: CHANNEL, signed: newest }), bob);
    expect(challenged.events[0]).toMatchObject({ checkpoint: { cheater: 'a' } });

    // the builder that picks: initiate-dispute with the newest closable state, emergency-close only without one
    const pick = chain.buildUnilateralClose({ contract: CHANNEL, channelId: ch.id, floor: 1n, closable: newest });
    expect(pick.functionName).toBe('initiate-dispute');
    const implicit = { state: { ...newest.state, nonce: 0n }, sigA: null, sigB: null };
    expect(chain.buildUnilateralClose({ contract: CHANNEL, channelId: ch.id, floor: 1n, closable: implicit }).functionName).toBe('emergency-close');
  });
});

describe('readers', () => {
  it('get-state-hash is the client codec hash; verify-payment reports refusals as typed errors', async () => {
    const { ch } = create(alice, bob, 300n, null);
    const s = state(ch, { nonce: 1n, balanceA: 200n, balanceB: 100n });
    expect(await chain.getStateHash(ctx, { state: s })).toEqual(stateHash(s, domainHashOf()));
    const badSum = sign(ch, state(ch, { nonce: 1n, balanceA: 200n, balanceB: 200n }));
    const v = await chain.verifyPayment(ctx, { signed: badSum });
    expect(v.valid).toBe(false);
    if (!v.valid) expect(v.error.code).toBe('ERR-SUM-MISMATCH');
    // bob signs both sides: signature A is not alice's
    const forged = sign(ch, s, { keyA: keys[bob]! });
    const f = await chain.verifyPayment(ctx, { signed: forged });
    expect(f.valid === false && f.error.code).toBe('ERR-SIGNATURE-A');
    expect(await chain.getChannel(ctx, { channelId: new Uint8Array(32) })).toBeNull();
  });

  describe('over HTTP (a loopback node stand-in answering from the simnet)', () => {
    let server: Server;
    let baseUrl: string;
    let failNext = false;
    beforeAll(async () => {
      server = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          const m = /^\/v2\/contracts\/call-read\/([^/]+)\/([^/]+)\/([^/?]+)/.exec(req.url ?? '');
          if (m === null || failNext) {
            failNext = false;
            res.writeHead(500).end('node down');
            return;
          }
          const { sender, arguments: args } = JSON.parse(body) as { sender: string; arguments: string[] };
          const result = simnet.callReadOnlyFn(`${m[1]}.${m[2]}`, decodeURIComponent(m[3]!), args.map((a) => hexToCV(a)), sender).result;
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ okay: true, result: cvToHex(result) }));
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('reads the same typed values as the simnet caller', async () => {
      const http: chain.ChainContext = {
        ...ctx,
        caller: chain.httpReadOnlyCaller({ network: createNetwork({ network: 'devnet', client: { baseUrl } }) }),
      };
      const { ch } = create(alice, bob, 250n, null);
      const signed = sign(ch, state(ch, { nonce: 1n, balanceA: 50n, balanceB: 200n }));
      for (const read of [
        (c: chain.ChainContext) => chain.getChannel(c, { channelId: ch.id }),
        (c: chain.ChainContext) => chain.getNextChannelId(c, { participantA: alice, participantB: bob, token: SBTC }),
        (c: chain.ChainContext) => chain.verifyPayment(c, { signed }),
        (c: chain.ChainContext) => chain.getRevealHeight(c, { hash: new Uint8Array(32) }),
      ]) {
        const viaHttp = await read(http);
        expect(viaHttp).toEqual(await read(ctx));
      }
      expect(await chain.getChannel(http, { channelId: ch.id })).toMatchObject({ total: 250n, participantA: alice });

      failNext = true;
      await expect(chain.getChannel(http, { channelId: ch.id })).rejects.toBeInstanceOf(chain.ChainReadError);
    });
  });
});

describe('events', () => {
  it('ignores a forged close printed by another contract, and refuses a malformed print of ours', () => {
    // any contract can print a tuple shaped like the channel's; only the channel contract counts
    const forger = simnet.deployContract('forger', `(define-public (fake (id (buff 32)))
      (begin (print { event: "initiate-dispute", channel-id: id, total: u1, status: u1, nonce: u0, balance-a: u1, balance-b: u0,
        htlcs: (list), htlc-count: u0, closer: u2, deadline-burn: u1, deadline-tenure: u1, cheater: u0 })
        (ok true)))`, null, bob);
    expect(forger).toBeDefined();
    const r = simnet.callPublicFn(`${bob}.forger`, 'fake', [Cl.buffer(new Uint8Array(32))], bob);
    const prints = chain.printEventsOf(r.events as chain.SimnetEvent[]);
    expect(prints).toHaveLength(1);
    expect(chain.decodeChannelEvents(prints, sources)).toEqual([]);
    // the same tuple claimed to come from the channel contract decodes, proving the filter is the contract
    expect(chain.decodeChannelEvent({ ...prints[0]!, contract: CHANNEL }, sources)?.kind).toBe('initiate-dispute');

    const broken: ClarityValue = Cl.tuple({ event: Cl.stringAscii('challenge'), 'channel-id': Cl.buffer(new Uint8Array(32)) });
    expect(() => chain.decodeChannelEvent({ contract: CHANNEL, value: broken }, sources)).toThrow(chain.DecodeError);
    // closer and cheater are u0 nobody, u1 participant-a, u2 participant-b: any other value is a decoding error
    const badParty = { ...(prints[0]!.value as TupleCV).value, cheater: Cl.uint(3) };
    expect(() => chain.decodeChannelEvent({ contract: CHANNEL, value: Cl.tuple(badParty) }, sources)).toThrow(
      expect.objectContaining({ code: 'CHAIN_DECODE', message: 'event initiate-dispute.cheater: expected party u0, u1 or u2, got u3' }),
    );
    // a print without an event tag (a token transfer memo) is not ours
    expect(chain.decodeChannelEvent({ contract: CHANNEL, value: Cl.buffer(new Uint8Array(2)) }, sources)).toBeNull();
  });
});

describe('transactions and wallets', () => {
  it('a built call is a makeContractCall input: deny mode and the post-conditions are in the signed transaction', async () => {
    const ch: Channel = { id: new Uint8Array(32).fill(3), a: alice, b: bob, token: SBTC, contract: CHANNEL };
    const close = sign(ch, state(ch, { nonce: 5n, balanceA: 10n, balanceB: 20n, action: Action.Close }));
    const call = chain.buildCloseChannel({ contract: CHANNEL, signed: close, token: SBTC });
    // fee and nonce given: nothing is fetched
    const tx = await makeContractCall({ ...call, senderKey: toHex(keys[alice]!) + '01', network: 'devnet', fee: 1000, nonce: 0 });
    const back = deserializeTransaction(tx.serialize());
    expect(back.postConditionMode).toBe(PostConditionMode.Deny);
    expect(back.postConditions.values).toHaveLength(1);
    expect(back.payload).toMatchObject({ functionName: { content: 'close-channel' } });

    const wallet = chain.toWalletCall(call);
    expect(wallet).toEqual({
      contract: CHANNEL, functionName: 'close-channel', functionArgs: call.functionArgs,
      postConditions: ft(30n, CHANNEL, SBTC, 'sbtc-token', 'lte'), postConditionMode: 'deny',
    });
    // signatures in the arguments are the ones given, byte for byte (after the state's fields)
    expect(call.functionArgs[7]).toEqual(Cl.buffer(close.sigA));
    expect(call.functionArgs[8]).toEqual(Cl.buffer(close.sigB));
  });
});
