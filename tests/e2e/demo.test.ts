// `npm run demo` in-process: runDemo on this file's simnet (behind the embedded local
// chain on an ephemeral 127.0.0.1 port), quiet, with 300 payments. It asserts the
// story's outcome as the protocol fixes it: every step passed its own checks, the
// transactions are the story's (including Bob's stale close, Alice's challenge and the
// penalty resolve), each party's balance moved by exactly the plan's amount minus its
// own fees, and value is conserved. Then it proves the summary's checks can fail: a
// payout off by one µSTX, or value appearing from nowhere, is a DemoCheckError.
import { beforeAll, describe, expect, it } from 'vitest';
import { expectedDeltas, planFor, parseDemoArgs, runDemo, DemoCheckError, DemoOptionError, type DemoOutcome } from '../../client/src/demo/index.js';
import { checkSummary, renderSummary, type Summary } from '../../client/src/demo/summary.js';
import { alice, bob, carol } from '../contracts/helpers.js';

const PAYMENTS = 300;
let outcome: DemoOutcome;
let narration = '';

beforeAll(async () => {
  outcome = await runDemo({ payments: PAYMENTS, quiet: true, simnet, write: (t) => (narration += t) });
});

describe('npm run demo (runDemo, 300 payments, quiet)', () => {
  it('runs every step to the protocol’s outcome', () => {
    expect(outcome.failure).toBeNull();
    expect(outcome.ok).toBe(true);
    expect(outcome.steps.map((s) => s.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(outcome.chainUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(narration).toBe(''); // quiet says nothing
  });

  it('streams every payment off-chain over the client protocol', () => {
    expect(outcome.stream?.payments).toBe(PAYMENTS);
    // batching folds payments into states, but never more states than payments
    expect(outcome.stream!.states).toBeGreaterThan(0);
    expect(outcome.stream!.states).toBeLessThanOrEqual(PAYMENTS);
  });

  it('sends the story’s transactions, each signed by the party the protocol names', () => {
    expect(outcome.transactions.map((t) => [t.functionName, t.sender])).toEqual([
      ['create-channel', alice], // STX channel
      ['create-channel', alice], // sBTC channel
      ['fund-channel', bob],
      ['fund-channel', bob],
      ['create-channel', bob], // Bob–Carol
      ['initiate-dispute', bob], // the stale close
      ['challenge', alice], // Alice's watchtower
      ['resolve', alice],
      ['close-channel', alice],
      ['update-balance', carol],
      ['emergency-close', carol],
      ['resolve', carol],
    ]);
    for (const t of outcome.transactions) expect(t.fee).toBeGreaterThan(0n);
  });

  it('moves each party’s balances by exactly the plan minus its own fees (the cheater loses his channel balance)', () => {
    const plan = planFor(PAYMENTS);
    const want = expectedDeltas(plan);
    const rows = outcome.summary!.parties;
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    for (const name of ['alice', 'bob', 'carol'] as const) {
      const r = byName[name]!;
      expect(r.change.stx, `${name} STX`).toBe(want[name].stx - r.fees);
      expect(r.change.sbtc, `${name} sBTC`).toBe(want[name].sbtc);
    }
    // the penalty: Alice ends with Bob's whole deposit, Bob loses it and the hop he forwarded
    expect(want.alice.stx).toBe(plan.bobStx);
    expect(want.bob.stx).toBe(-plan.bobStx - plan.hop);
    expect(want.carol.stx).toBe(plan.hop);
    expect(byName['alice']!.paymentsSent).toBe(PAYMENTS + 2); // stream, hop, swap
    expect(byName['carol']!.paymentsReceived).toBe(1);
  });

  it('conserves value: everything deposited is paid out and the escrow is back where it was', () => {
    for (const c of [outcome.summary!.conservation.stx, outcome.summary!.conservation.sbtc]) {
      expect(c.deposited).toBeGreaterThan(0n);
      expect(c.paidOut).toBe(c.deposited);
      expect(c.contractAfter).toBe(c.contractBefore);
      expect(c.partiesNet).toBe(0n);
    }
  });

  it('renders the summary table: a row per party and per token', () => {
    const text = renderSummary(outcome.summary!);
    for (const row of ['Alice', 'Bob', 'Carol', 'STX', 'sBTC']) expect(text).toMatch(new RegExp(`^${row}\\s`, 'm'));
    expect(text).toContain(`${(PAYMENTS + 2).toLocaleString('en-US')}`); // Alice's off-chain payments
  });
});

describe('the summary’s checks fail on a wrong outcome', () => {
  const tamper = (edit: (s: Summary) => Summary) => () => checkSummary(edit(outcome.summary!));

  it('a payout one µSTX off the plan is a DemoCheckError', () => {
    const off = tamper((s) => ({
      ...s,
      parties: s.parties.map((p) => (p.name === 'bob' ? { ...p, change: { ...p.change, stx: p.change.stx + 1n } } : p)),
    }));
    expect(off).toThrow(DemoCheckError);
    expect(off).toThrow(/Bob's STX change/);
  });

  it('value paid out without a deposit is a DemoCheckError', () => {
    const leak = tamper((s) => ({ ...s, conservation: { ...s.conservation, sbtc: { ...s.conservation.sbtc, paidOut: s.conservation.sbtc.paidOut + 1n } } }));
    expect(leak).toThrow(/paid out vs deposited/);
  });

  it('escrow left behind in the contract is a DemoCheckError', () => {
    const stuck = tamper((s) => ({ ...s, conservation: { ...s.conservation, stx: { ...s.conservation.stx, contractAfter: s.conservation.stx.contractAfter + 1n } } }));
    expect(stuck).toThrow(/contract holdings after vs before/);
  });
});

describe('demo options', () => {
  it('parses the flags npm passes, with the defaults', () => {
    expect(parseDemoArgs(['--'])).toEqual({ payments: 10_000, quiet: false, port: 0, library: false });
    expect(parseDemoArgs(['--', '--payments', '300', '--quiet', '--port', '4000'])).toEqual({ payments: 300, quiet: true, port: 4000, library: false });
    expect(parseDemoArgs(['--library']).library).toBe(true);
  });

  it('refuses what is not a payment count, a port or a known flag', () => {
    for (const argv of [['--payments', '0'], ['--payments', 'many'], ['--payments', '1.5'], ['--port', '70000'], ['--fast']]) {
      expect(() => parseDemoArgs(argv), argv.join(' ')).toThrow(DemoOptionError);
    }
  });
});
