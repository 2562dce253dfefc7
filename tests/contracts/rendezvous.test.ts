// @stacks/rendezvous on bitstream (protocol v2), bounded for CI: the invariants of
// contracts/bitstream.tests.clar (holdings per token = channel totals + unpaid, channel
// sums, records that fit their status, floor, status and cheater marks never going
// back, unpaid and settled HTLCs only on closed channels) over random call sequences
// that tests/rendezvous/ steers into co-signed states in the v2 argument layout and
// attacks (the steering itself checks payouts, withdraw payees and every penalty mark),
// then the file's property tests (create, the sum rule, unsigned states, expiry of
// chain states, withdraw and deposit actors, unilateral-close actions, signer keys,
// claim).
// RV_RUNS (default 100 invariant runs, 300 property runs) and RV_SEED (default fixed)
// widen or replay a run; RV_BAIL=0 shrinks a failure, RV_VERBOSE=1 prints every call:
//   RV_RUNS=2000 RV_SEED=7 npx vitest run tests/contracts/rendezvous.test.ts
// Owns nothing but its assertions; rendezvous builds its own simnet (run.ts).
import { describe, expect, it } from 'vitest';
import { describeRun, optionsFromEnv, runRendezvous, type RunSummary } from '../rendezvous/run.js';
import { STEERED_FUNCTIONS } from '../rendezvous/steer.js';
import { CHANNEL } from './helpers.js';

// generous: an invariant run (a call sequence) takes about a tenth of a second here
const timeoutFor = (runs: number) => 60_000 + runs * 1_000;

function outcome(r: RunSummary, prefix: string): { ok: number; err: number } {
  let ok = 0;
  let err = 0;
  for (const [key, t] of r.steering.outcomes) {
    if (key.startsWith(prefix)) {
      ok += t.ok;
      err += t.err;
    }
  }
  return { ok, err };
}

describe('rendezvous on bitstream', () => {
  const invariant = optionsFromEnv('invariant');
  it(`keeps every invariant over ${invariant.runs} random steered call sequences`, async () => {
    const r = await runRendezvous(invariant);
    console.log(describeRun(r));

    // rendezvous fuzzed exactly `bitstream` (not bitstream-2) and every run passed
    expect(r.targets).toEqual([CHANNEL]);
    // an attack that went through, or a payout to a stranger, is named here first
    expect(r.steering.violations).toEqual([]);
    expect(r.failure).toEqual([]);
    expect(r.runsPassed).toBe(invariant.runs);
    expect(r.steering.invariantChecks).toBeGreaterThanOrEqual(invariant.runs);
    // the channel-level invariants saw every channel
    expect(BigInt(r.tracked)).toBe(r.channelCount);

    if (invariant.runs >= 100) {
      // the steering is not vacuous: every function succeeded, a closer was penalised
      // (the steering checked each mark against what the states owe), and attacks were
      // made and refused
      for (const fn of STEERED_FUNCTIONS) expect(outcome(r, `${fn}:`).ok, `${fn} never succeeded`).toBeGreaterThan(0);
      expect(outcome(r, 'challenge:penalty').ok).toBeGreaterThan(0);
      expect(r.steering.refusedAttacks).toBeGreaterThan(20);
    }
  }, timeoutFor(invariant.runs));

  const properties = optionsFromEnv('test');
  it(`passes every property test over ${properties.runs} random inputs`, async () => {
    const r = await runRendezvous(properties);
    console.log(describeRun(r));
    expect(r.targets).toEqual([CHANNEL]);
    expect(r.failure).toEqual([]);
    expect(r.runsPassed).toBe(properties.runs);
  }, timeoutFor(properties.runs));
});
