// A per-channel mutex: every handler that reads and then changes a channel's state runs
// inside it, so two concurrent pay() calls or messages never build on the same nonce.
export class Lock {
  private tail: Promise<void> = Promise.resolve();

  /** Run `fn` after every earlier holder has finished. */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}
