// @stacks/rendezvous on bitstream, bounded for CI: the invariants of
// contracts/bitstream.tests.clar over random call sequences that tests/rendezvous/
// steers into co-signed states and attacks, then the file's property tests.
// RV_RUNS (default 100 invariant runs, 300 property runs) and RV_SEED (default fixed)
// widen or replay a run; RV_BAIL=0 shrinks a failure, RV_VERBOSE=1 prints every call:
//   RV_RUNS=2000 RV_SEED=7 npx vitest run tests/contracts/rendezvous.test.ts
// Owns nothing but its assertions; rendezvous builds its own simnet (run.ts).
import { describe, expect, it } from 'vitest';
import { describeRun, optionsFromEnv, runRendezvous, type RunSummary } from '../rendezvous/run.js';
import { STEERED_FUNCTIONS } from '../rendezvous/steer.js';
import { CHANNEL } from './helpers.js';

// generous: an invariant run (a call sequence) takes about half a second here
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
      // the steering is not vacuous: every function succeeded honestly, a closer was
      // penalised, and attacks were made and refused
      for (const fn of STEERED_FUNCTIONS) expect(outcome(r, `${fn}:`).ok, `${fn} never succeeded`).toBeGreaterThan(0);
      expect(outcome(r, 'challenge:penalty').ok).toBeGreaterThan(0);
      const attacks = [...r.steering.outcomes].filter(([key]) => !/:(honest|raw|penalty)$/.test(key));
      expect(attacks.reduce((n, [, t]) => n + t.err, 0)).toBeGreaterThan(20);
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
