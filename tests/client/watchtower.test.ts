// The watchtower against the simnet: Alice's tower holds her newest fully signed state,
// watches the channel's print events (or polls the readers), and its actions, submitted
// as built, must do what the protocol promises: a stale close by Bob is challenged with
// the stored state before the deadline and the penalty applies at resolve; an honest
// close is left alone and is challenged at every block until the challenge lands; HTLCs
// (expiries in tenures) are revealed as their expiry nears and settled once payable.
import { describe, expect, it } from 'vitest';
import * as chain from '../../client/src/chain/index.js';
import {
  Watchtower, pollIntoWatchtower, windowMayHaveEnded, windowSurelyEnded,
  type SignedStateSource, type WatchAction,
} from '../../client/src/watchtower/index.js';
import { Action, CHANNEL, REGISTRY, TEST_TOKEN, WINDOW, alice, bob, carol, mint, secretPair, sign, state, stxBalance, type Channel } from '../contracts/helpers.js';
import { chainTime, ctx, submit, type Submitted } from './chain-harness.js';

/** Alice's store: the newest fully signed state per channel, and the newest closable one. */
class MemoryStates implements SignedStateSource {
  private readonly byId = new Map<string, chain.SignedState>();
  private readonly closable = new Map<string, chain.SignedState>();
  constructor(private readonly tellsClosable = true) {}
  put(s: chain.SignedState): void {
    const k = Buffer.from(s.state.channelId).toString('hex');
    this.byId.set(k, s);
    if (s.state.action === Action.Transfer || s.state.action === Action.Close) this.closable.set(k, s);
  }
  latest(channelId: Uint8Array): chain.SignedState | null {
    return this.byId.get(Buffer.from(channelId).toString('hex')) ?? null;
  }
  latestClosable(channelId: Uint8Array): chain.SignedState | null {
    return this.tellsClosable ? (this.closable.get(Buffer.from(channelId).toString('hex')) ?? null) : null;
  }
}

interface Setup {
  ch: Channel;
  states: MemoryStates;
  tower: Watchtower;
  /** submit a call and feed its events to the tower, as a node's event stream would */
  run: (call: chain.ContractCall, sender: string) => Submitted;
}

function setup(opts: { token?: string | null; amountA?: bigint; amountB?: bigint; secrets?: Map<string, Uint8Array> } = {}): Setup {
  const token = opts.token ?? null;
  const amountA = opts.amountA ?? 1000n;
  const amountB = opts.amountB ?? 1000n;
  const states = new MemoryStates();
  const secrets = opts.secrets;
  const tower = new Watchtower({
    contract: CHANNEL, registry: REGISTRY, states, self: alice,
    ...(secrets === undefined ? {} : { secrets: { secretFor: (h: Uint8Array) => secrets.get(Buffer.from(h).toString('hex')) ?? null } }),
  });
  const run = (call: chain.ContractCall, sender: string) => {
    const sub = submit(call, sender);
    for (const ev of sub.events) tower.observe(ev);
    return sub;
  };
  if (token !== null) {
    mint(token, amountA, alice);
    mint(token, amountB, bob);
  }
  const created = run(chain.buildCreateChannel({ contract: CHANNEL, sender: alice, participantB: bob, token, amount: amountA, window: WINDOW }), alice);
  const id = chain.asBuffer(chain.unwrapResponse(created.result, 'bitstream'), 'id', 32);
  const ch: Channel = { id, a: alice, b: bob, token, contract: CHANNEL };
  const deposit = sign(ch, state(ch, { nonce: 1n, balanceA: amountA, balanceB: amountB, action: Action.Deposit, actor: bob, amount: amountB }));
  run(chain.buildFundChannel({ contract: CHANNEL, signed: deposit, token }), bob);
  states.put(deposit);
  return { ch, states, tower, run };
}

const kinds = (actions: readonly WatchAction[]) => actions.map((a) => a.kind);

/** Bob's emergency-close from the checkpoint after the deposit (floor 1), as a cheating Bob builds it: his client is told he holds nothing newer. */
const staleEmergencyClose = (ch: Channel) =>
  chain.buildEmergencyClose({ contract: CHANNEL, channelId: ch.id, floor: 1n, closable: { state: { nonce: 1n }, sigA: null, sigB: null } });

describe('watchtower: stale closes', () => {
  it('challenges a stale initiate-dispute by bob with the stored state; the penalty applies at resolve', () => {
    const { ch, states, tower, run } = setup();
    const old = sign(ch, state(ch, { nonce: 2n, balanceA: 700n, balanceB: 1300n }));
    const newest = sign(ch, state(ch, { nonce: 3n, balanceA: 1300n, balanceB: 700n }));
    states.put(newest);
    expect(tower.decide(chainTime()).actions).toEqual([]);
    const aliceBefore = stxBalance(alice);
    const bobBefore = stxBalance(bob);

    run(chain.buildInitiateDispute({ contract: CHANNEL, signed: old }), bob);
    const now = chainTime();
    const { actions } = tower.decide(now);
    expect(kinds(actions)).toEqual(['challenge']);
    const challenge = actions[0]!;
    if (challenge.kind !== 'challenge') throw new Error('unreachable');
    expect(challenge).toMatchObject({ closingNonce: 2n, nonce: 3n });
    expect(challenge.deadlineBurn).toBeGreaterThan(now.burnHeight);
    expect(challenge.call).toEqual(chain.buildChallenge({ contract: CHANNEL, signed: newest }));
    // issued once: the same tick again asks for nothing
    expect(tower.decide(now).actions).toEqual([]);

    const challenged = run(challenge.call, alice);
    expect(challenged.events[0]).toMatchObject({ kind: 'challenge', checkpoint: { cheater: 'b', nonce: 3n } });
    expect(tower.decide(chainTime()).actions).toEqual([]);

    // no resolve until the window has ended on both clocks
    simnet.mineEmptyBurnBlocks(Number(WINDOW) - 1);
    expect(tower.decide(chainTime()).actions).toEqual([]);
    simnet.mineEmptyBurnBlocks(1);
    const { actions: after } = tower.decide(chainTime());
    expect(kinds(after)).toEqual(['resolve']);
    const resolved = run(after[0]!.call, carol);
    // bob's whole balance goes to alice: she ends with everything, more than her newest state gave her
    expect(resolved.moves).toEqual([{ asset: 'STX', sender: CHANNEL, recipient: alice, amount: 2000n }]);
    expect(stxBalance(alice) - aliceBefore).toBe(2000n);
    expect(stxBalance(bob) - bobBefore).toBe(0n);
    expect(tower.decide(chainTime()).actions).toEqual([]);
  });

  it('leaves an honest close alone and resolves it at its balances', () => {
    const { ch, states, tower, run } = setup();
    const newest = sign(ch, state(ch, { nonce: 2n, balanceA: 400n, balanceB: 1600n }));
    states.put(newest);
    run(chain.buildInitiateDispute({ contract: CHANNEL, signed: newest }), bob);
    expect(tower.decide(chainTime()).actions).toEqual([]);
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    const { actions } = tower.decide(chainTime());
    expect(kinds(actions)).toEqual(['resolve']);
    const resolved = run(actions[0]!.call, alice);
    expect(resolved.events[0]).toMatchObject({ kind: 'resolve', checkpoint: { cheater: null } });
    expect(resolved.moves).toEqual([
      { asset: 'STX', sender: CHANNEL, recipient: alice, amount: 400n },
      { asset: 'STX', sender: CHANNEL, recipient: bob, amount: 1600n },
    ]);
  });

  it('challenges an emergency-close below the stored state, fed by the poller over the readers (test-token)', async () => {
    const { ch, states, run } = setup({ token: TEST_TOKEN, amountA: 600n, amountB: 400n });
    // a fresh tower that only polls: no events reach it
    const tower = new Watchtower({ contract: CHANNEL, registry: REGISTRY, states, self: alice });
    const newest = sign(ch, state(ch, { nonce: 4n, balanceA: 900n, balanceB: 100n }));
    states.put(newest);
    await pollIntoWatchtower(ctx, tower, [ch.id]);
    expect(tower.decide(chainTime()).actions).toEqual([]);

    run(staleEmergencyClose(ch), bob);
    await pollIntoWatchtower(ctx, tower);
    const { actions } = tower.decide(chainTime());
    expect(kinds(actions)).toEqual(['challenge']);
    const challenged = run(actions[0]!.call, carol); // anyone may submit it: a watchtower service
    expect(challenged.events[0]).toMatchObject({ checkpoint: { nonce: 4n, cheater: 'b' } });

    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    await pollIntoWatchtower(ctx, tower);
    const { actions: after } = tower.decide(chainTime());
    expect(kinds(after)).toEqual(['resolve']);
    expect(after[0]!.call.postConditions).toEqual([
      { type: 'ft-postcondition', address: CHANNEL, condition: 'lte', asset: `${TEST_TOKEN}::test-token`, amount: '1000' },
    ]);
    const resolved = run(after[0]!.call, carol);
    expect(resolved.moves).toEqual([{ asset: `${TEST_TOKEN}::test-token`, sender: CHANNEL, recipient: alice, amount: 1000n }]);
  });

  it('challenges at every block until its challenge lands: two lost challenges do not let a stale close win', async () => {
    const { ch, states, tower, run } = setup();
    states.put(sign(ch, state(ch, { nonce: 2n, balanceA: 1500n, balanceB: 500n })));
    run(staleEmergencyClose(ch), bob);
    const deadline = tower.recordOf(ch.id)!.deadlineBurn;

    // the first submit fails (node unreachable): the next step tries again at once
    const first = await tower.step(chainTime(), () => Promise.reject(new Error('node down')));
    expect(kinds(first.failed.map((f) => f.action))).toEqual(['challenge']);
    const lost: WatchAction[] = [];
    const second = await tower.step(chainTime(), async (a) => void lost.push(a));
    expect(kinds(second.submitted)).toEqual(['challenge']);
    // submitted but dropped from the mempool: the same block asks for nothing more...
    expect(tower.decide(chainTime()).actions).toEqual([]);
    // ...and the next block asks again; lost again
    simnet.mineEmptyBurnBlocks(1);
    const third = tower.decide(chainTime()).actions;
    expect(kinds(third)).toEqual(['challenge']);
    lost.push(...third);
    // one more block: the third challenge lands, before the deadline, and the penalty stands
    simnet.mineEmptyBurnBlocks(1);
    const fourth = tower.decide(chainTime()).actions;
    expect(kinds(fourth)).toEqual(['challenge']);
    expect(chainTime().burnHeight).toBeLessThan(deadline);
    run(fourth[0]!.call, alice);
    expect(tower.recordOf(ch.id)).toMatchObject({ nonce: 2n, cheater: bob });
    expect(lost).toHaveLength(2);
    // landed: nothing more to challenge, at this block or the next
    expect(tower.decide(chainTime()).actions).toEqual([]);
    simnet.mineEmptyBurnBlocks(1);
    expect(tower.decide(chainTime()).actions).toEqual([]);
    // past the deadline only resolve is asked for
    while (chainTime().burnHeight < deadline) simnet.mineEmptyBurnBlocks(1);
    expect(kinds(tower.decide(chainTime()).actions)).toEqual(['resolve']);
  });

  it('joins a close it saw without the channel\'s creation to the identity a poll reads, then challenges', async () => {
    const { ch, states, run } = setup();
    const tower = new Watchtower({ contract: CHANNEL, registry: REGISTRY, states, self: alice });
    states.put(sign(ch, state(ch, { nonce: 2n, balanceA: 1500n, balanceB: 500n })));
    const closed = run(staleEmergencyClose(ch), bob);
    for (const ev of closed.events) tower.observe(ev);
    // the checkpoint alone does not say who the participants are: the tower waits for a poll
    expect(tower.decide(chainTime()).actions).toEqual([]);
    expect(tower.unknownChannels()).toEqual([ch.id]);
    await pollIntoWatchtower(ctx, tower);
    expect(tower.unknownChannels()).toEqual([]);
    expect(kinds(tower.decide(chainTime()).actions)).toEqual(['challenge']);
  });

  it('answers with the newest transfer state when the newest signed state is an unsubmitted deposit', () => {
    const { ch, states, tower, run } = setup();
    const old = sign(ch, state(ch, { nonce: 2n, balanceA: 600n, balanceB: 1400n }));
    const transfer = sign(ch, state(ch, { nonce: 3n, balanceA: 1500n, balanceB: 500n }));
    // signed by both, never submitted: a deposit state cannot answer a close
    const deposit = sign(ch, state(ch, { nonce: 4n, balanceA: 1600n, balanceB: 500n, action: Action.Deposit, actor: alice, amount: 100n }));
    states.put(transfer);
    states.put(deposit);
    run(chain.buildInitiateDispute({ contract: CHANNEL, signed: old }), bob);
    const { actions } = tower.decide(chainTime());
    expect(actions).toMatchObject([{ kind: 'challenge', nonce: 3n, closingNonce: 2n }]);
    run(actions[0]!.call, alice);
    expect(tower.recordOf(ch.id)).toMatchObject({ nonce: 3n, cheater: bob });

    // a store that cannot tell leaves the tower with nothing it may submit (and it submits nothing doomed)
    const blind = new MemoryStates(false);
    blind.put(deposit);
    const other = new Watchtower({ contract: CHANNEL, registry: REGISTRY, states: blind });
    other.observeRecord(ch.id, { ...tower.recordOf(ch.id)!, nonce: 2n, cheater: null });
    expect(other.decide(chainTime()).actions).toEqual([]);
  });

  it('does not act on channels it holds nothing for, unless told to watch them', () => {
    const states = new MemoryStates();
    const tower = new Watchtower({ contract: CHANNEL, registry: REGISTRY, states });
    const created = submit(chain.buildCreateChannel({ contract: CHANNEL, sender: carol, participantB: bob, token: null, amount: 10n, window: WINDOW }), carol);
    const id = chain.asBuffer(chain.unwrapResponse(created.result, 'bitstream'), 'id', 32);
    const closed = submit(chain.buildEmergencyClose({ contract: CHANNEL, channelId: id, floor: 0n, closable: { state: { nonce: 0n }, sigA: null, sigB: null } }), carol);
    for (const ev of [...created.events, ...closed.events]) tower.observe(ev);
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    expect(tower.decide(chainTime()).actions).toEqual([]);
    tower.watch(id);
    expect(kinds(tower.decide(chainTime()).actions)).toEqual(['resolve']);
  });
});

describe('watchtower: window clocks', () => {
  const record = { deadlineBurn: 100n, deadlineTenure: 100n };
  it('keeps challenging while tenures lag (a stalled Stacks chain cannot eat the window)', () => {
    expect(windowSurelyEnded(record, { burnHeight: 120n, tenureHeight: 99n })).toBe(false);
    expect(windowMayHaveEnded(record, { burnHeight: 120n, tenureHeight: 99n })).toBe(false);
    expect(windowSurelyEnded(record, { burnHeight: 100n, tenureHeight: 100n })).toBe(true);
    // tenure unknown: both may be true, so the tower issues both, challenge first
    expect(windowSurelyEnded(record, { burnHeight: 120n })).toBe(false);
    expect(windowMayHaveEnded(record, { burnHeight: 120n })).toBe(true);
    expect(windowMayHaveEnded(record, { burnHeight: 99n })).toBe(false);
  });

  it('issues challenge then resolve when the tenure height is unknown past the burn deadline', () => {
    const { ch, states, tower, run } = setup();
    states.put(sign(ch, state(ch, { nonce: 2n, balanceA: 1200n, balanceB: 800n })));
    run(staleEmergencyClose(ch), bob);
    const rec = tower.recordOf(ch.id)!;
    expect(kinds(tower.decide({ burnHeight: rec.deadlineBurn }).actions)).toEqual(['challenge', 'resolve']);
  });
});

describe('watchtower: HTLCs', () => {
  it('reveals the secret of an HTLC paying alice as its expiry nears, then settles both HTLCs once payable', () => {
    const claim = secretPair(11); // bob → alice: alice may reveal
    const offered = secretPair(12); // alice → bob: alice knows it but must not reveal it
    const secrets = new Map([[Buffer.from(claim.hash).toString('hex'), claim.secret], [Buffer.from(offered.hash).toString('hex'), offered.secret]]);
    const { ch, states, tower, run } = setup({ secrets });
    const expiry = chainTime().tenureHeight + 14n; // expiries are tenure heights
    const newest = sign(ch, state(ch, {
      nonce: 2n, balanceA: 850n, balanceB: 1000n,
      htlcs: [
        { hash: claim.hash, amount: 100n, expiry, offeredByA: false },
        { hash: offered.hash, amount: 50n, expiry, offeredByA: true },
      ],
    }));
    states.put(newest);
    run(chain.buildInitiateDispute({ contract: CHANNEL, signed: newest }), bob);
    expect(tower.decide(chainTime()).actions).toEqual([]);

    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    const resolve = tower.decide(chainTime()).actions;
    expect(kinds(resolve)).toEqual(['resolve']);
    run(resolve[0]!.call, alice);
    // resolved, HTLCs escrowed; expiry still beyond the reveal margin (6): nothing yet
    expect(chainTime().tenureHeight + 6n).toBeLessThan(expiry);
    expect(tower.decide(chainTime()).actions).toEqual([]);

    while (chainTime().tenureHeight + 6n < expiry) simnet.mineEmptyBurnBlocks(1);
    const { actions } = tower.decide(chainTime());
    expect(kinds(actions)).toEqual(['reveal-secret']);
    expect(actions[0]).toMatchObject({ hash: claim.hash, expiry });
    run(actions[0]!.call, alice);

    // revealed by its expiry: HTLC 0 pays alice now; HTLC 1 waits for its expiry to pass
    const settle0 = tower.decide(chainTime()).actions;
    expect(settle0).toMatchObject([{ kind: 'settle-htlc', index: 0 }]);
    const paid = run(settle0[0]!.call, carol);
    expect(paid.moves).toEqual([{ asset: 'STX', sender: CHANNEL, recipient: alice, amount: 100n }]);
    expect(tower.decide(chainTime()).actions).toEqual([]);

    while (chainTime().tenureHeight <= expiry) simnet.mineEmptyBurnBlocks(1);
    const settle1 = tower.decide(chainTime()).actions;
    expect(settle1).toMatchObject([{ kind: 'settle-htlc', index: 1 }]);
    const refunded = run(settle1[0]!.call, carol);
    expect(refunded.moves).toEqual([{ asset: 'STX', sender: CHANNEL, recipient: alice, amount: 50n }]);
    expect(tower.decide(chainTime()).actions).toEqual([]);
  });

  it('reveals from the newest signed state of an open channel, never with a wrong preimage, never past the expiry', () => {
    const claim = secretPair(21);
    const secrets = new Map([[Buffer.from(claim.hash).toString('hex'), secretPair(22).secret]]); // corrupted store
    const { ch, states, tower } = setup({ secrets });
    const expiry = chainTime().tenureHeight + 3n;
    states.put(sign(ch, state(ch, { nonce: 2n, balanceA: 1000n, balanceB: 900n, htlcs: [{ hash: claim.hash, amount: 100n, expiry, offeredByA: false }] })));
    expect(tower.decide(chainTime()).actions).toEqual([]);
    secrets.set(Buffer.from(claim.hash).toString('hex'), claim.secret);
    const { actions } = tower.decide(chainTime());
    expect(kinds(actions)).toEqual(['reveal-secret']);
    expect(actions[0]!.call).toEqual(chain.buildRevealSecret({ registry: REGISTRY, secret: claim.secret }));
    expect(tower.decide({ burnHeight: expiry + 1n, tenureHeight: expiry + 1n }).actions).toEqual([]);
  });
});
