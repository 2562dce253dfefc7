// Rule 1 of PROTOCOL v2 (§6, §9 item 1): every participant and actor check reads the
// direct caller (`contract-caller`), never `tx-sender`. Version 1 read tx-sender, so any
// contract a participant called could act as that participant; the worst case was
// add-signer with the counterparty's key, after which the counterparty signed both sides
// and took the channel. Here an intermediary (fixtures/proxy.clar) forwards every
// participant-only function for a participant who calls it, and each forward must be
// refused with nothing changed. The other half of the rule: a participant that is a
// contract (fixtures/contract-party.clar) calls the channel contract itself, and must
// keep working through the whole life of a channel with keys it authorised.
import { beforeEach, describe, expect, it } from 'vitest';
import { Cl } from '@stacks/transactions';
import {
  Action, CHANNEL, ERR, Party, WINDOW, alice, bob, callId, callWithState, deployFixture, deployer, expectErr,
  fundedChannel, hex, keys, mallory, publicKeyOf, record, sign, signedArgs, state, Status, stxBalance,
  type Channel, type Signed,
} from './helpers.js';

const signerOf = (ch: Channel, owner: string, key: Uint8Array) =>
  simnet.callReadOnlyFn(CHANNEL, 'is-authorised-signer', [Cl.buffer(ch.id), Cl.principal(owner), Cl.buffer(key)], alice).result;

describe('an intermediary contract cannot act as the participant who calls it', () => {
  let PROXY: string;
  beforeEach(() => {
    PROXY = deployFixture('proxy');
  });

  /** Everything a refused forward must leave as it was. */
  const snapshot = (ch: Channel, extraKeys: Uint8Array[] = []) => ({
    record: record(ch),
    stx: [alice, bob, PROXY, CHANNEL].map(stxBalance),
    signers: extraKeys.flatMap((k) => [signerOf(ch, alice, k), signerOf(ch, bob, k), signerOf(ch, PROXY, k)]),
  });

  it('attack: a contract adds the counterparty\'s key as a signer for the participant who calls it (v1 total theft)', () => {
    // Bob's contract, called by Alice, asks the channel to authorise Bob's own key for Alice.
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const bobKey = publicKeyOf(keys[bob]!);
    const before = snapshot(ch, [bobKey]);
    const r = simnet.callPublicFn(PROXY, 'add-signer', [Cl.buffer(ch.id), Cl.buffer(bobKey)], alice);
    expectErr(r.result, ERR.NOT_PARTICIPANT);
    expect(signerOf(ch, alice, bobKey)).toBeBool(false);
    expect(snapshot(ch, [bobKey])).toEqual(before);
    // the theft it would have enabled: Bob signs both sides of a state paying himself everything
    const theft = sign(ch, state(ch, { nonce: 2n, balanceA: 0n, balanceB: 200n }), { keyA: keys[bob] });
    expectErr(callWithState('update-balance', ch, theft, bob).result, ERR.SIGNATURE_A);
    const theftClose = sign(ch, state(ch, { nonce: 2n, balanceA: 0n, balanceB: 200n, action: Action.Close }), { keyA: keys[bob] });
    expectErr(callWithState('close-channel', ch, theftClose, bob).result, ERR.SIGNATURE_A);
    expect(snapshot(ch, [bobKey])).toEqual(before);
  });

  // Each participant-only function, forwarded for the participant allowed to call it directly.
  const forwards: { fn: string; code: number; call: (ch: Channel) => ReturnType<typeof simnet.callPublicFn> }[] = [
    {
      fn: 'fund-channel', code: ERR.NOT_ACTOR,
      call: (ch) => callWithState('fund-channel', ch, sign(ch, state(ch, { nonce: 2n, balanceA: 100n, balanceB: 150n, action: Action.Deposit, actor: bob, amount: 50n })), bob, { contract: PROXY }),
    },
    {
      fn: 'update-balance', code: ERR.NOT_PARTICIPANT,
      call: (ch) => callWithState('update-balance', ch, sign(ch, state(ch, { nonce: 2n, balanceA: 10n, balanceB: 190n })), bob, { contract: PROXY }),
    },
    {
      fn: 'withdraw', code: ERR.NOT_PARTICIPANT,
      call: (ch) => callWithState('withdraw', ch, sign(ch, state(ch, { nonce: 2n, balanceA: 100n, balanceB: 0n, action: Action.Withdraw, actor: bob, amount: 100n })), bob, { contract: PROXY }),
    },
    {
      fn: 'add-signer', code: ERR.NOT_PARTICIPANT,
      call: (ch) => simnet.callPublicFn(PROXY, 'add-signer', [Cl.buffer(ch.id), Cl.buffer(publicKeyOf(hex('77'.repeat(32))))], alice),
    },
    {
      fn: 'close-channel', code: ERR.NOT_PARTICIPANT,
      call: (ch) => callWithState('close-channel', ch, sign(ch, state(ch, { nonce: 2n, balanceA: 50n, balanceB: 150n, action: Action.Close })), alice, { contract: PROXY }),
    },
    {
      fn: 'initiate-dispute', code: ERR.NOT_PARTICIPANT,
      call: (ch) => callWithState('initiate-dispute', ch, sign(ch, state(ch, { nonce: 2n, balanceA: 50n, balanceB: 150n })), alice, { contract: PROXY }),
    },
    { fn: 'emergency-close', code: ERR.NOT_PARTICIPANT, call: (ch) => callId('emergency-close', ch, alice, { contract: PROXY }) },
  ];

  for (const { fn, code, call } of forwards) {
    it(`attack: an intermediary calls ${fn} in a participant's name (refused, nothing changes)`, () => {
      const { ch } = fundedChannel(alice, bob, 100n, 100n);
      const before = snapshot(ch, [publicKeyOf(hex('77'.repeat(32)))]);
      expectErr(call(ch).result, code);
      expect(snapshot(ch, [publicKeyOf(hex('77'.repeat(32)))])).toEqual(before);
      expect(record(ch)?.status).toBe(Status.Open);
    });
  }

  it('attack: an intermediary opens a channel with the caller\'s STX (the channel would be the intermediary\'s; no funds move)', () => {
    const next = simnet.callReadOnlyFn(CHANNEL, 'get-next-channel-id', [Cl.principal(PROXY), Cl.principal(bob), Cl.none()], alice).result;
    const before = [stxBalance(alice), stxBalance(CHANNEL)];
    const r = simnet.callPublicFn(PROXY, 'create-channel', [Cl.principal(bob), Cl.none(), Cl.uint(100), Cl.uint(WINDOW), Cl.none()], alice);
    // the escrow pulls from the direct caller (the proxy), which holds nothing and is not tx-sender
    expect(r.result.type).toBe('err');
    expect([stxBalance(alice), stxBalance(CHANNEL)]).toEqual(before);
    expect(simnet.callReadOnlyFn(CHANNEL, 'get-channel', [next], alice).result).toBeNone();
  });

  it('the same calls made directly by the participant are taken (the refusals above are the intermediary alone)', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n);
    const key = publicKeyOf(hex('77'.repeat(32)));
    expect(simnet.callPublicFn(CHANNEL, 'add-signer', [Cl.buffer(ch.id), Cl.buffer(key)], alice).result).toBeOk(Cl.bool(true));
    const dep = sign(ch, state(ch, { nonce: 2n, balanceA: 100n, balanceB: 150n, action: Action.Deposit, actor: bob, amount: 50n }));
    expect(callWithState('fund-channel', ch, dep, bob).result).toBeOk(Cl.uint(2));
    expect(callWithState('update-balance', ch, sign(ch, state(ch, { nonce: 3n, balanceA: 90n, balanceB: 160n })), bob).result).toBeOk(Cl.uint(3));
  });
});

describe('a contract principal as a participant keeps working', () => {
  let PARTY: string;
  const k1 = hex('71'.repeat(32));
  const k2 = hex('72'.repeat(32));
  beforeEach(() => {
    PARTY = deployFixture('contract-party');
    simnet.transferSTX(10_000n, PARTY, deployer);
  });

  /** Open a channel from the party (participant-a) to Alice, the party signing with k1. */
  const openFromParty = (amount: bigint): Channel => {
    const next = simnet.callReadOnlyFn(CHANNEL, 'get-next-channel-id', [Cl.principal(PARTY), Cl.principal(alice), Cl.none()], alice).result;
    const r = simnet.callPublicFn(PARTY, 'open', [Cl.principal(alice), Cl.uint(amount), Cl.uint(WINDOW), Cl.buffer(publicKeyOf(k1))], mallory);
    expect(r.result).toBeOk(next);
    return { id: hex((next as unknown as { value: string }).value), a: PARTY, b: alice, token: null, contract: CHANNEL };
  };
  const partyCall = (fn: string, args: ReturnType<typeof signedArgs>) => simnet.callPublicFn(PARTY, fn, args, mallory);

  it('creates a channel itself, authorises keys, funds, checkpoints and closes with states signed by those keys', () => {
    const p0 = stxBalance(PARTY);
    const ch = openFromParty(300n);
    expect(stxBalance(PARTY)).toBe(p0 - 300n);
    expect(record(ch)).toMatchObject({ 'participant-a': PARTY, 'participant-b': alice, total: 300n });
    expect(signerOf(ch, PARTY, publicKeyOf(k1))).toBeBool(true);

    // Alice funds with a deposit state the party signed with k1
    const funding = sign(ch, state(ch, { nonce: 1n, balanceA: 300n, balanceB: 200n, action: Action.Deposit, actor: alice, amount: 200n }), { keyA: k1 });
    expect(callWithState('fund-channel', ch, funding, alice).result).toBeOk(Cl.uint(1));

    // the party authorises a second key (rotation) and tops up from its own balance
    expect(simnet.callPublicFn(PARTY, 'authorise', [Cl.buffer(ch.id), Cl.buffer(publicKeyOf(k2))], mallory).result).toBeOk(Cl.bool(true));
    expect(signerOf(ch, PARTY, publicKeyOf(k2))).toBeBool(true);
    const topUp = sign(ch, state(ch, { nonce: 2n, balanceA: 400n, balanceB: 200n, action: Action.Deposit, actor: PARTY, amount: 100n }), { keyA: k2 });
    expect(partyCall('fund', signedArgs('fund-channel', topUp)).result).toBeOk(Cl.uint(2));
    expect(stxBalance(PARTY)).toBe(p0 - 400n);

    // a key the party never authorised signs nothing for it
    const rogue = sign(ch, state(ch, { nonce: 3n, balanceA: 0n, balanceB: 600n }), { keyA: hex('73'.repeat(32)) });
    expectErr(callWithState('update-balance', ch, rogue, alice).result, ERR.SIGNATURE_A);

    const checkpoint = sign(ch, state(ch, { nonce: 3n, balanceA: 350n, balanceB: 250n }), { keyA: k1 });
    expect(partyCall('update-balance', signedArgs('update-balance', checkpoint)).result).toBeOk(Cl.uint(3));

    const [pc, ac] = [stxBalance(PARTY), stxBalance(alice)];
    const close = sign(ch, state(ch, { nonce: 4n, balanceA: 330n, balanceB: 270n, action: Action.Close }), { keyA: k2 });
    expect(partyCall('close-channel', [...signedArgs('close-channel', close), Cl.none()]).result).toBeOk(Cl.uint(4));
    expect([stxBalance(PARTY) - pc, stxBalance(alice) - ac]).toEqual([330n, 270n]);
    expect(record(ch)).toMatchObject({ status: Status.Closed, closer: Party.A, total: 0n });
  });

  it('disputes with a state signed by its key, answers a challenge window, and is paid by resolve', () => {
    const ch = openFromParty(300n);
    const funding = sign(ch, state(ch, { nonce: 1n, balanceA: 300n, balanceB: 300n, action: Action.Deposit, actor: alice, amount: 300n }), { keyA: k1 });
    expect(callWithState('fund-channel', ch, funding, alice).result).toBeOk(Cl.uint(1));
    // Alice pays the party 50 (state 2); the party, as receiver, holds it and closes with it
    const newest: Signed = sign(ch, state(ch, { nonce: 2n, balanceA: 350n, balanceB: 250n }), { keyA: k1 });
    expect(partyCall('initiate-dispute', signedArgs('initiate-dispute', newest)).result.type).toBe('ok');
    expect(record(ch)).toMatchObject({ status: Status.Closing, closer: Party.A, nonce: 2n });
    // nothing newer exists: an older state cannot replace it
    expectErr(callWithState('challenge', ch, funding, alice).result, ERR.WRONG_ACTION);
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    const [pc, ac] = [stxBalance(PARTY), stxBalance(alice)];
    expect(callId('resolve', ch, mallory).result).toBeOk(Cl.uint(2));
    expect([stxBalance(PARTY) - pc, stxBalance(alice) - ac]).toEqual([350n, 250n]);
    expect(record(ch)).toMatchObject({ status: Status.Closed, cheater: Party.Nobody });
  });

  it('a contract participant closing with a revoked state is penalised like anyone', () => {
    const ch = openFromParty(300n);
    const funding = sign(ch, state(ch, { nonce: 1n, balanceA: 300n, balanceB: 300n, action: Action.Deposit, actor: alice, amount: 300n }), { keyA: k1 });
    callWithState('fund-channel', ch, funding, alice);
    // Alice paid the party 50 (2), the party paid back 80 (3, the party signed last)
    const revoked = sign(ch, state(ch, { nonce: 2n, balanceA: 350n, balanceB: 250n }), { keyA: k1 });
    const newest = sign(ch, state(ch, { nonce: 3n, balanceA: 270n, balanceB: 330n }), { keyA: k1 });
    expect(partyCall('initiate-dispute', signedArgs('initiate-dispute', revoked)).result.type).toBe('ok');
    expect(callWithState('challenge', ch, newest, alice).result).toBeOk(Cl.uint(3));
    expect(record(ch)?.cheater).toBe(Party.A);
    simnet.mineEmptyBurnBlocks(Number(WINDOW));
    const [pc, ac] = [stxBalance(PARTY), stxBalance(alice)];
    callId('resolve', ch, mallory);
    expect([stxBalance(PARTY) - pc, stxBalance(alice) - ac]).toEqual([0n, 600n]);
  });

  it('emergency-close works for a contract participant', () => {
    const ch = openFromParty(300n);
    expect(simnet.callPublicFn(PARTY, 'emergency-close', [Cl.buffer(ch.id)], mallory).result.type).toBe('ok');
    expect(record(ch)).toMatchObject({ status: Status.Closing, closer: Party.A, 'balance-a': 300n });
  });
});
