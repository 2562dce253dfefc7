// The file format between tests/contracts/costs.test.ts, which writes costs-success.json
// (one row per labelled successful call, when the simnet tracks costs), and report.ts,
// which reads it. Types only.

/** One measured call: its cost-report label, the channel's token and the simnet's total cost. */
export interface Measured {
  readonly label: string;
  readonly token: 'STX' | 'sBTC';
  readonly runtime: number;
  readonly readCount: number;
  readonly readLength: number;
  readonly writeCount: number;
  readonly writeLength: number;
}
