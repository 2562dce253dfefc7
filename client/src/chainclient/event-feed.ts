// Following one contract's events over the Stacks API: each round returns, oldest first,
// the events since the previous round, by paging `/extended/v1/contract/{id}/events`
// (newest first, on Hiro's API and the local chain alike) back to the newest event the
// previous round saw. Paging while new events arrive shifts later pages down, which
// repeats events (dropped here) but never skips one. When the feed cannot find its place
// (more new events than it pages through, or its last event vanished in a reorg) the
// round says `gap`: the caller must read the full state again. No decoding here.
import type { ContractEventView, StacksApi } from './api.js';

export interface FeedRound {
  /** new events, oldest first */
  readonly events: readonly ContractEventView[];
  /** the feed lost its place: what happened since the previous round is not all here */
  readonly gap: boolean;
}

const key = (e: ContractEventView) => `${e.txid}:${e.index}`;

export class ContractEventFeed {
  /** the newest event seen; null: the contract had none; undefined: not started */
  private cursor: string | null | undefined = undefined;
  /** event pages read, for the node's metrics and the closing figures */
  pagesRead = 0;

  constructor(
    private readonly api: StacksApi,
    readonly contract: string,
    private readonly pageSize = 50,
    private readonly maxPages = 20,
  ) {}

  /** Mark now: the next round returns only what comes after. Call it before a full read of the state, so nothing falls between. */
  async mark(): Promise<void> {
    const [newest] = await this.page(0);
    this.cursor = newest === undefined ? null : key(newest);
  }

  async next(): Promise<FeedRound> {
    if (this.cursor === undefined) {
      await this.mark();
      return { events: [], gap: true };
    }
    const fresh: ContractEventView[] = [];
    const seen = new Set<string>();
    let found = false;
    let reachedOldest = false;
    for (let p = 0; p < this.maxPages && !found && !reachedOldest; p++) {
      const page = await this.page(p * this.pageSize);
      for (const e of page) {
        const k = key(e);
        if (k === this.cursor) {
          found = true;
          break;
        }
        if (!seen.has(k)) {
          seen.add(k);
          fresh.push(e);
        }
      }
      reachedOldest = page.length < this.pageSize;
    }
    const complete = found || (reachedOldest && this.cursor === null);
    if (fresh.length > 0) this.cursor = key(fresh[0]!);
    else if (!complete && reachedOldest) this.cursor = null; // its last event is gone and nothing replaced it
    return { events: fresh.reverse(), gap: !complete };
  }

  private async page(offset: number): Promise<ContractEventView[]> {
    this.pagesRead++;
    return this.api.contractEvents(this.contract, this.pageSize, offset);
  }
}
