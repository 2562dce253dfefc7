// `npm run demo` as it runs by default: runNodeDemo on this file's simnet (the local chain
// in this process, on an ephemeral 127.0.0.1 port), with three node processes started
// from the package bin, quiet, 300 payments. It asserts the story's outcome: every step
// passed its own checks; the stream's payments were all made; Bob's stale backup was
// answered, while Alice's node was offline, by her standalone watchtower with a challenge
// the chain dropped and the tower replaced at the same nonce with a higher fee; each party's on-chain change is the
// plan's less its own fees, as the chain's own account history counts them; the escrow
// is back where it was. Then it proves the summary's check can fail.
import { beforeAll, describe, expect, it } from 'vitest';
import { checkNodeSummary, expectedNodeDeltas, nodePlanFor, runNodeDemo, type NodeDemoOutcome, type NodeSummary } from '../../client/src/demo/nodes/index.js';
import { DemoCheckError } from '../../client/src/demo/index.js';

const PAYMENTS = 300;
let outcome: NodeDemoOutcome;
let narration = '';

beforeAll(async () => {
  outcome = await runNodeDemo({ payments: PAYMENTS, quiet: true, simnet, write: (t) => (narration += t) });
}, 240_000);

describe('npm run demo between node processes (300 payments, quiet)', () => {
  it('runs every step to the protocol’s outcome', () => {
    expect(outcome.failure).toBeNull();
    expect(outcome.ok).toBe(true);
    expect(outcome.steps.map((s) => s.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(narration).toBe('');
  });

  it('makes every payment through the node API: STX and sBTC', () => {
    const plan = nodePlanFor(PAYMENTS);
    expect(outcome.stream?.payments).toBe(PAYMENTS + plan.sbtcPayments);
  });

  it('answers the stale close with a challenge the chain dropped, replaced at the same nonce with a higher fee', () => {
    const d = outcome.dispute!;
    expect(BigInt(d.newestNonce)).toBe(BigInt(d.staleNonce) + BigInt(nodePlanFor(PAYMENTS).refunds));
    expect(d.dropped.status).toMatch(/^dropped/);
    expect(d.landed.status).toBe('success');
    expect(d.landed.nonce).toBe(d.dropped.nonce);
    expect(BigInt(d.landed.fee)).toBeGreaterThan(BigInt(d.dropped.fee));
  });

  it('moves each party’s balances by exactly the plan less its own fees; the cheater loses his deposit', () => {
    const plan = nodePlanFor(PAYMENTS);
    const want = expectedNodeDeltas(plan);
    const rows = Object.fromEntries(outcome.summary!.parties.map((r) => [r.name, r]));
    for (const name of ['alice', 'bob', 'carol'] as const) {
      expect(rows[name]!.change.stx, `${name} STX`).toBe(want[name].stx - rows[name]!.fees);
      expect(rows[name]!.change.sbtc, `${name} sBTC`).toBe(want[name].sbtc);
    }
    expect(want.alice.stx).toBe(plan.bobStx);
    // Bob forwarded Carol's invoice and lost what Alice paid him for it to the penalty
    expect(want.bob.stx).toBe(-plan.bobStx - plan.toCarol - plan.viaBob);
    expect(want.carol.stx).toBe(plan.toCarol + plan.viaBob);
    // what each node sent, as the chain recorded it
    expect(rows['alice']!.calls.slice(0, 4)).toEqual(['create-channel', 'create-channel', 'withdraw', 'close-channel']);
    // Alice was offline: her tower challenged and resolved, paying the fees from its own account
    expect(rows['alice']!.calls).not.toContain('challenge');
    expect(rows['bob']!.calls.slice(0, 2)).toEqual(['fund-channel', 'fund-channel']);
    expect(rows['bob']!.calls).toContain('create-channel');
    expect(rows['carol']!.calls).toEqual([]); // offline: paid by Bob's resolve
    expect(outcome.summary!.contractAfter).toEqual(outcome.summary!.contractBefore);
  });

  it('its summary check fails on a payout off by one µSTX, and on escrow left behind', () => {
    const s = outcome.summary!;
    const off: NodeSummary = { ...s, parties: s.parties.map((p, i) => (i === 0 ? { ...p, change: { ...p.change, stx: p.change.stx + 1n } } : p)) };
    expect(() => checkNodeSummary(off)).toThrow(DemoCheckError);
    const left: NodeSummary = { ...s, contractAfter: { ...s.contractAfter, sbtc: s.contractAfter.sbtc + 1n } };
    expect(() => checkNodeSummary(left)).toThrow(/escrow/);
    expect(() => checkNodeSummary(s)).not.toThrow();
  });
});
