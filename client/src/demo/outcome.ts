// What runDemo returns: whether every step matched the protocol, which failed and why,
// the stream's figures, the summary, and the story's transactions. Also the mapping of
// a thrown error to a failure record. No I/O.
import { BitStreamError } from '../errors/errors.js';
import type { StreamFigures } from './step-stream.js';
import type { Summary } from './summary.js';

export interface StepReport {
  readonly title: string;
  readonly status: 'ok' | 'failed' | 'skipped';
  readonly ms: number;
}

export interface DemoFailure {
  /** the step title, or 'boot' / 'setup' */
  readonly step: string;
  readonly code: string;
  readonly message: string;
}

export interface DemoTransaction {
  readonly functionName: string;
  readonly sender: string;
  readonly txid: string;
  /** µSTX */
  readonly fee: bigint;
}

export interface DemoOutcome {
  /** every step ran and matched the protocol */
  readonly ok: boolean;
  readonly failure: DemoFailure | null;
  readonly steps: readonly StepReport[];
  readonly stream: StreamFigures | null;
  readonly summary: Summary | null;
  /** the story's transactions (setup excluded), in order */
  readonly transactions: readonly DemoTransaction[];
  readonly chainUrl: string | null;
  /** the secp256k1 backend the parties signed with */
  readonly backend: string | null;
  readonly bootMs: number;
  readonly totalMs: number;
}

/** The failure record of an error thrown in `step`. */
export function describe(step: string, e: unknown): DemoFailure {
  if (e instanceof BitStreamError) {
    const cause = e.cause instanceof BitStreamError ? ` (${e.cause.code}: ${e.cause.message})` : '';
    return { step, code: e.code, message: `${e.message}${cause}` };
  }
  return { step, code: 'DEMO_UNEXPECTED', message: e instanceof Error ? e.message : String(e) };
}
