// A pay-per-second meter: while it runs, it pays the hub `perSecond` in ten ticks a
// second, each a payment of its own (the channel folds ticks that queue behind an update
// into one state: batching). It stops at the first refusal and says why.
export interface MeterOptions {
  /** one payment; resolves once both sides signed it */
  pay(amount: bigint, id: string): Promise<unknown>;
  onPaid(amount: bigint): void;
  onStop(reason: unknown): void;
}

const TICKS_PER_SECOND = 10;

export class Meter {
  private timer: ReturnType<typeof setInterval> | null = null;
  private n = 0;
  private inFlight = 0;

  constructor(private readonly o: MeterOptions) {}

  get running(): boolean {
    return this.timer !== null;
  }

  start(perSecond: bigint): void {
    if (this.timer !== null) return;
    const tick = perSecond / BigInt(TICKS_PER_SECOND);
    if (tick <= 0n) throw Object.assign(new Error(`a rate below ${TICKS_PER_SECOND} units a second cannot be split into ticks`), { code: 'APP_BAD_AMOUNT' });
    const run = `${Date.now().toString(36)}`;
    this.timer = setInterval(() => {
      // a hub slower than the meter: do not pile up payments, skip the tick
      if (this.inFlight >= 4) return;
      this.inFlight++;
      // (through a promise even if `pay` throws: a tick's failure always reaches stop)
      Promise.resolve().then(() => this.o.pay(tick, `meter-${run}-${++this.n}`)).then(
        () => (this.inFlight--, this.o.onPaid(tick)),
        (e: unknown) => (this.inFlight--, this.stop(e)),
      );
    }, 1000 / TICKS_PER_SECOND);
  }

  stop(reason: unknown = null): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
    this.o.onStop(reason);
  }
}
