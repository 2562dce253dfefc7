// What the page's benchmark reports (bench.ts): plain data, no DOM, so Node's bench
// script (client/bench/page.ts) reads it with the same types.
export interface BenchRow {
  readonly what: string;
  readonly payments: number;
  readonly ms: number;
  readonly perSecond: number;
}

export interface BenchResult {
  readonly rows: readonly BenchRow[];
  /** states a second noble allows here: sign + verify */
  readonly bound: number;
  /** the states the batched run needed */
  readonly batchedStates: number;
}
