// Reading what a mined transaction did, for the steps' checks: the channel record it
// printed, and what the channel contract paid whom. Pure over a Receipt.
import type { RecordEvent } from '../chain/events.js';
import type { Receipt } from './chain-client.js';
import { expectThat } from './errors.js';
import { CONTRACTS } from './world.js';

/** The channel-record event of `kind` a receipt carries (the step fails without it). */
export function recordEvent(step: string, r: Receipt, kind: RecordEvent['kind']): RecordEvent {
  const e = r.events.find((x): x is RecordEvent => x.kind === kind);
  expectThat(step, `${r.functionName} printed a ${kind} record`, e !== undefined);
  return e!;
}

/** What the channel contract paid whom of `asset` ('STX' or an asset id) in one transaction. */
export function paidFrom(r: Receipt, asset: string): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const m of r.moves) {
    if (m.sender !== CONTRACTS.channel || m.asset !== asset || m.recipient === null) continue;
    out.set(m.recipient, (out.get(m.recipient) ?? 0n) + m.amount);
  }
  return out;
}
