// One payment in flight per channel: a slot taken when a request proposes and freed when
// its paid response is back (or the wait runs out, so a request that never paid cannot
// hold the channel).
export class Slot {
  private tail: Promise<void> = Promise.resolve();

  /** Wait for the slot; the returned function frees it (once; later calls do nothing). */
  async take(holdMs: number): Promise<() => void> {
    let free!: () => void;
    const held = new Promise<void>((resolve) => (free = resolve));
    const before = this.tail;
    this.tail = before.then(() => held);
    await before;
    const timer = setTimeout(free, holdMs);
    return () => {
      clearTimeout(timer);
      free();
    };
  }
}
