// What `resolve` pays whom, computed from the channel record exactly as the contract
// does (PROTOCOL 6.3): the cheater's whole balance goes to the other participant, the
// total paid is balance-a + balance-b either way, HTLCs stay escrowed. No I/O.
import type { ChannelRecord } from './record.js';

export interface ResolvePayout {
  readonly payA: bigint;
  readonly payB: bigint;
}

export function resolvePayout(record: Pick<ChannelRecord, 'participantA' | 'participantB' | 'balanceA' | 'balanceB' | 'cheater'>): ResolvePayout {
  const both = record.balanceA + record.balanceB;
  if (record.cheater === record.participantB) return { payA: both, payB: 0n };
  if (record.cheater === record.participantA) return { payA: 0n, payB: both };
  return { payA: record.balanceA, payB: record.balanceB };
}
