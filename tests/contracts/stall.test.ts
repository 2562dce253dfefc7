// Rule 7 of PROTOCOL v2 (§1 "window", §5 "Why tenures"): a Stacks stall (Bitcoin blocks
// with no Stacks tenure in which to answer) must not end a dispute window or expire an
// HTLC. The window ends once its tenures have passed (and so its burn blocks: a chain
// adds at most one tenure per Bitcoin block); HTLC expiries and the registry's reveal
// heights are tenure heights.
//
// The simnet moves burn and tenure heights together, so a stall cannot happen on it. This
// file deploys transformed copies of the two contracts instead, in which the tenure
// height is a clock the test sets. The transformation, and nothing else:
//   - every `tenure-height` becomes `(var-get clock)`,
//   - `(define-data-var clock uint u0)` and a public `(set-clock (h uint))` are appended,
//   - in the channel copy, `.secret-registry` becomes `.secret-registry-stall` (the copy).
// Everything else, burn-block-height included, is the real contracts' code, and the
// copies are re-read from contracts/*.clar on every run, so they cannot drift.
import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { Cl } from '@stacks/transactions';
import {
  Action, ERR, Party, WINDOW, alice, bob, burnHeight, callId, callSettle, callWithState, carol, deployer, expectErr,
  fundedChannel, printEvent, record, secretPair, sign, state, Status, stxBalance, tenureHeight, toHex, windowEnded,
  type Channel, type Htlc,
} from './helpers.js';

const CLOCK = `
;; test only (stall.test.ts): the tenure height, set by the test
(define-data-var clock uint u0)
(define-public (set-clock (h uint)) (ok (var-set clock h)))
`;
/** The minimal transformation described in the header. */
function withClock(source: string, registry?: string): string {
  let out = source.replace(/(?<![\w-])tenure-height(?![\w-])/g, '(var-get clock)');
  if (registry !== undefined) out = out.replace(/\.secret-registry(?![\w-])/g, `.${registry}`);
  return `${out}\n${CLOCK}`;
}

const REGISTRY_COPY = 'secret-registry-stall';
const CHANNEL_COPY = 'bitstream-stall';
let registry: string;
let channel: string;
/** the copies' tenure height, as last set */
let tenure = 0n;

/** Set the tenure clock of both copies. */
function setTenure(h: bigint) {
  for (const c of [registry, channel]) expect(simnet.callPublicFn(c, 'set-clock', [Cl.uint(h)], carol).result).toBeOk(Cl.bool(true));
  tenure = h;
}
/** A stall: `n` Bitcoin blocks, no tenure. */
const stall = (n: number) => simnet.mineEmptyBurnBlocks(n);
/** Recovery: `n` burn blocks, each with its tenure. */
function blocksWithTenures(n: number) {
  const t = clock();
  simnet.mineEmptyBurnBlocks(n);
  setTenure(t + BigInt(n));
}
const clock = () => tenure;

beforeEach(() => {
  const deploy = (name: string, source: string) =>
    expect(simnet.deployContract(name, source, { clarityVersion: 4 }, deployer).result, name).toBeBool(true);
  deploy(REGISTRY_COPY, withClock(readFileSync('contracts/secret-registry.clar', 'utf8')));
  deploy(CHANNEL_COPY, withClock(readFileSync('contracts/bitstream.clar', 'utf8'), REGISTRY_COPY));
  registry = `${deployer}.${REGISTRY_COPY}`;
  channel = `${deployer}.${CHANNEL_COPY}`;
  setTenure(tenureHeight());
});

const revealOnCopy = (secret: Uint8Array) => simnet.callPublicFn(registry, 'reveal-secret', [Cl.buffer(secret)], carol);

describe('the copies are the contracts with a settable tenure clock', () => {
  it('the transformation touches only tenure-height and the registry reference', () => {
    const src = readFileSync('contracts/bitstream.clar', 'utf8');
    const copy = withClock(src, REGISTRY_COPY);
    const uses = src.match(/(?<![\w-])tenure-height(?![\w-])/g)?.length ?? 0;
    expect(uses).toBeGreaterThan(0);
    expect(copy.match(/\(var-get clock\)/g)).toHaveLength(uses);
    expect(copy).not.toMatch(/(?<![\w-])tenure-height(?![\w-])/);
    // undo the edits: the rest is byte for byte the contract
    const undone = copy.replace(CLOCK, '').replace(/\(var-get clock\)/g, 'tenure-height').replace(`.${REGISTRY_COPY}`, '.secret-registry');
    expect(undone).toBe(`${src}\n`);
  });

  it('the registry copy records the tenure clock, not the burn height', () => {
    setTenure(7n);
    const { secret, hash } = secretPair(70);
    const r = revealOnCopy(secret);
    expect(printEvent(r.events as never)).toMatchObject({ event: 'reveal-secret', hash: toHex(hash), height: 7n, 'burn-height': burnHeight() });
    expect(simnet.callReadOnlyFn(registry, 'get-reveal-height', [Cl.buffer(hash)], carol).result).toBeSome(Cl.uint(7));
  });
});

describe('a Stacks stall does not end a dispute window', () => {
  it('attack: Bob closes with a revoked state as Stacks stalls, hoping the window passes in Bitcoin blocks alone (Alice still challenges)', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n, { contract: channel });
    const start = clock();
    expect(callWithState('initiate-dispute', ch, sign(ch, state(ch, { nonce: 2n, balanceA: 40n, balanceB: 160n })), bob).result.type).toBe('ok');
    expect(record(ch)).toMatchObject({ 'deadline-burn': burnHeight() + WINDOW, 'deadline-tenure': start + WINDOW });
    stall(Number(WINDOW) * 3);
    // in burn blocks alone the window is long over
    expect(burnHeight()).toBeGreaterThan(record(ch)!['deadline-burn']);
    expect(windowEnded(ch)).toBe(false);
    expectErr(callId('resolve', ch, carol).result, ERR.WINDOW_OPEN);
    // Stacks resumes: Alice answers within the tenures the window still has
    blocksWithTenures(1);
    expect(callWithState('challenge', ch, sign(ch, state(ch, { nonce: 3n, balanceA: 90n, balanceB: 110n })), alice).result).toBeOk(Cl.uint(3));
    expect(record(ch)?.cheater).toBe(Party.B);
    blocksWithTenures(Number(WINDOW) - 1);
    expect(windowEnded(ch)).toBe(true);
    const a0 = stxBalance(alice);
    expect(callId('resolve', ch, carol).result).toBeOk(Cl.uint(3));
    expect(stxBalance(alice) - a0).toBe(200n);
  });

  it('the window ends when its tenures have passed: a chain adds at most one tenure per Bitcoin block, so its burn blocks have passed too', () => {
    // The contract reads the tenure clock alone (PROTOCOL §1): on a real chain tenure-height
    // cannot run ahead of burn-block-height, so "both clocks moved by the window" follows.
    // The test clock can run ahead; doing so shows which clock the contract reads.
    const { ch } = fundedChannel(alice, bob, 100n, 100n, { contract: channel });
    callId('emergency-close', ch, alice);
    setTenure(clock() + WINDOW - 1n);
    expect(windowEnded(ch)).toBe(false);
    expectErr(callId('resolve', ch, carol).result, ERR.WINDOW_OPEN);
    setTenure(clock() + 1n);
    expect(windowEnded(ch)).toBe(true);
    expectErr(callWithState('challenge', ch, sign(ch, state(ch, { nonce: 2n, balanceA: 90n, balanceB: 110n })), bob).result, ERR.WINDOW_ENDED);
    expect(callId('resolve', ch, carol).result.type).toBe('ok');
  });
});

describe('a Stacks stall does not expire an HTLC', () => {
  const closeWith = (ch: Channel, htlcs: Htlc[]) => {
    const total = htlcs.reduce((s, h) => s + h.amount, 0n);
    const s = sign(ch, state(ch, { nonce: 2n, balanceA: 100n - total, balanceB: 100n, htlcs, action: Action.Close }));
    expect(callWithState('close-channel', ch, s, alice).result).toBeOk(Cl.uint(2));
  };

  it('attack: the offerer waits out a stall to refund an HTLC whose receiver could not reveal (still pending; the late reveal pays the receiver)', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n, { contract: channel });
    const { secret, hash } = secretPair(71);
    const expiry = clock() + 5n;
    closeWith(ch, [{ hash, amount: 30n, expiry, offeredByA: true }]);
    blocksWithTenures(2);
    stall(20);
    // 20 Bitcoin blocks past the expiry's number, but no tenure passed it: no refund
    expect(burnHeight()).toBeGreaterThan(expiry);
    expectErr(callSettle(ch, 0, alice).result, ERR.HTLC_PENDING);
    // Stacks resumes before the expiry tenure: Bob reveals, and is paid
    blocksWithTenures(1);
    expect(clock()).toBeLessThanOrEqual(expiry);
    expect(revealOnCopy(secret).result.type).toBe('ok');
    const b0 = stxBalance(bob);
    const r = callSettle(ch, 0, carol);
    expect(r.result).toBeOk(Cl.principal(bob));
    expect(stxBalance(bob) - b0).toBe(30n);
    expect(printEvent(r.events as never)).toMatchObject({ 'preimage-revealed': true, payee: bob });
  });

  it('once the tenure clock passes the expiry, an unrevealed HTLC refunds (and a reveal after it no longer pays)', () => {
    const { ch } = fundedChannel(alice, bob, 100n, 100n, { contract: channel });
    const late = secretPair(72);
    const never = secretPair(73);
    const expiry = clock() + 5n;
    closeWith(ch, [
      { hash: never.hash, amount: 30n, expiry, offeredByA: true },
      { hash: late.hash, amount: 20n, expiry, offeredByA: true },
    ]);
    stall(50);
    setTenure(expiry);
    // at the expiry tenure a reveal still counts: nothing refunds yet
    expectErr(callSettle(ch, 0, alice).result, ERR.HTLC_PENDING);
    setTenure(expiry + 1n);
    const a0 = stxBalance(alice);
    expect(callSettle(ch, 0, carol).result).toBeOk(Cl.principal(alice));
    revealOnCopy(late.secret);
    expect(callSettle(ch, 1, carol).result).toBeOk(Cl.principal(alice));
    expect(stxBalance(alice) - a0).toBe(50n);
    expect(record(ch)).toMatchObject({ status: Status.Closed, total: 0n });
  });
});
