// The reference figures `npm run costs` sets BitStream's costs beside: the best-known
// Stacks channel contract's equivalent of each operation. `issue` is the runtime the
// protocol v2 issue gives; `stx` and `sip010` are that contract (obycode/stackflow,
// contracts/stackflow.clar at 3ebda225, 51,985 bytes, Clarity 4, epoch 3.3, unmodified)
// measured on this project's simnet (@stacks/clarinet-sdk 3.13.1) on the success path,
// with STX and with a SIP-010 test token; its code is not part of this repository.

export interface Reference {
  /** what the operation is, in words both contracts share */
  readonly operation: string;
  /** the reference contract's function */
  readonly theirs: string;
  /** BitStream's cost-report labels that do the same job */
  readonly ours: readonly string[];
  /** runtime the issue gives, if it gives one */
  readonly issue?: number;
  readonly stx: { readonly runtime: number; readonly reads: number };
  readonly sip010: { readonly runtime: number; readonly reads: number };
  /** how the two differ in what they do */
  readonly note?: string;
}

export const REFERENCES: readonly Reference[] = [
  {
    operation: 'funding (opener)', theirs: 'fund-pipe, first side', ours: ['create-channel'], issue: 216_000,
    stx: { runtime: 166_231, reads: 9 }, sip010: { runtime: 208_057, reads: 13 },
  },
  {
    operation: 'funding (counterparty)', theirs: 'fund-pipe, second side', ours: ['fund-channel'], issue: 216_000,
    stx: { runtime: 173_955, reads: 10 }, sip010: { runtime: 215_781, reads: 14 },
    note: 'ours checks a co-signed deposit state (two signatures); theirs takes the deposit unsigned',
  },
  {
    operation: 'cooperative close', theirs: 'close-pipe', ours: ['close-channel', 'close-channel, one HTLC left'], issue: 314_000,
    stx: { runtime: 294_874, reads: 11 }, sip010: { runtime: 353_847, reads: 19 },
  },
  {
    operation: 'forced close (signed state)', theirs: 'force-close', ours: ['initiate-dispute'], issue: 276_000,
    stx: { runtime: 274_274, reads: 10 }, sip010: { runtime: 295_096, reads: 10 },
  },
  {
    operation: 'forced close (no signature)', theirs: 'force-cancel', ours: ['emergency-close'],
    stx: { runtime: 135_866, reads: 8 }, sip010: { runtime: 155_281, reads: 8 },
  },
  {
    operation: 'dispute answer', theirs: 'dispute-closure', ours: ['challenge, penalty'], issue: 253_000,
    stx: { runtime: 252_734, reads: 10 }, sip010: { runtime: 312_480, reads: 18 },
    note: 'theirs pays out at once; ours replaces the closing state (penalty test included) and pays at resolve',
  },
  {
    operation: 'finalize', theirs: 'finalize', ours: ['resolve', 'resolve, penalty'], issue: 137_000,
    stx: { runtime: 137_112, reads: 8 }, sip010: { runtime: 196_039, reads: 16 },
  },
  {
    operation: 'signed deposit', theirs: 'deposit', ours: ['fund-channel'],
    stx: { runtime: 375_273, reads: 14 }, sip010: { runtime: 401_990, reads: 18 },
  },
  {
    operation: 'withdraw', theirs: 'withdraw', ours: ['withdraw'],
    stx: { runtime: 331_917, reads: 12 }, sip010: { runtime: 371_353, reads: 16 },
  },
];
