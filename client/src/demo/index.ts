// The demo's public entry: runDemo and its option and outcome types, the CLI's parser,
// and the summary renderer. The steps are internal.
export { runDemo, STEP_TITLES } from './run.js';
export type { DemoOutcome, DemoFailure, StepReport, DemoTransaction } from './outcome.js';
export { parseDemoArgs, DEFAULT_PAYMENTS, MAX_PAYMENTS, type DemoOptions, type CliOptions } from './options.js';
export { renderSummary, type Summary, type PartyRow, type Conservation, type TokenConservation } from './summary.js';
export { planFor, expectedDeltas, type Plan } from './plan.js';
export { DemoCheckError, DemoTxError, DemoOptionError } from './errors.js';
export type { StreamFigures } from './step-stream.js';
