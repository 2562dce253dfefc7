// Property tests (fast-check) explore new inputs on every local run, but CI replays
// fixed ones: a rare counterexample found on some run must not decide whether a change
// lands (it is found locally and fixed, as u0 contract names were). A failure prints
// its seed; BITSTREAM_PROPERTY_SEED=<seed> replays it anywhere.
import fc from 'fast-check';

const fromEnv = process.env.BITSTREAM_PROPERTY_SEED;
/** The seed every property test uses: the given one, a fixed one in CI, else none (random). */
export const PROPERTY_SEED: number | undefined =
  fromEnv !== undefined && fromEnv !== '' ? Number(fromEnv) : process.env.CI ? 20_261_123 : undefined;

if (PROPERTY_SEED !== undefined) fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: PROPERTY_SEED });
