// ContractEventFeed against a stand-in for the Stacks API's contract events (newest
// first, paged): each round returns exactly the events since the last one, oldest first;
// events arriving while it pages repeat on later pages and are returned once; more new
// events than it pages through, or its last event gone (a reorg), is a gap the caller
// must answer with a full read; and after a gap it finds its place again.
import { describe, expect, it } from 'vitest';
import type { ContractEventView, StacksApi } from '../../client/src/chainclient/api.js';
import { ContractEventFeed } from '../../client/src/chainclient/event-feed.js';

/** A contract's event log (oldest first), served newest first in pages; `onPage` runs before each page is cut. */
function chainOf(log: ContractEventView[], onPage: (offset: number) => void = () => undefined) {
  const api = {
    contractEvents: async (_c: string, limit: number, offset: number) => {
      onPage(offset);
      return [...log].reverse().slice(offset, offset + limit);
    },
  } as unknown as StacksApi;
  return api;
}

let n = 0;
const ev = (): ContractEventView => ({ txid: `tx${n++}`, index: 0, print: null });
const ids = (r: { events: readonly ContractEventView[] }) => r.events.map((e) => e.txid);

describe('ContractEventFeed', () => {
  it('returns what came since the last round, oldest first, and nothing twice', async () => {
    const log = [ev(), ev()];
    const feed = new ContractEventFeed(chainOf(log), 'c', 3);
    await feed.mark();
    expect(await feed.next()).toEqual({ events: [], gap: false });
    const added = [ev(), ev(), ev(), ev(), ev()];
    log.push(...added);
    const r = await feed.next();
    expect(r.gap).toBe(false);
    expect(ids(r)).toEqual(added.map((e) => e.txid)); // across two pages of 3
    expect(ids(await feed.next())).toEqual([]);
  });

  it('a contract with no events yet: everything that comes is new', async () => {
    const log: ContractEventView[] = [];
    const feed = new ContractEventFeed(chainOf(log), 'c', 2);
    await feed.mark();
    log.push(ev(), ev(), ev());
    const r = await feed.next();
    expect(r.gap).toBe(false);
    expect(ids(r)).toEqual(log.map((e) => e.txid));
  });

  it('events that arrive while it pages shift later pages: repeated there, returned once, none skipped', async () => {
    const log = [ev()];
    let arriving = 0;
    const feed = new ContractEventFeed(chainOf(log, (offset) => {
      if (offset > 0 && arriving++ < 2) log.push(ev()); // two land between pages
    }), 'c', 2);
    await feed.mark();
    const before = [ev(), ev(), ev(), ev()];
    log.push(...before);
    const r = await feed.next();
    expect(r.gap).toBe(false);
    const got = ids(r);
    expect(new Set(got).size).toBe(got.length);
    for (const e of before) expect(got).toContain(e.txid);
    // what arrived mid-round and was not in it comes in the next one; together they are the whole log after the mark
    const all = [...got, ...ids(await feed.next())];
    expect(all.sort()).toEqual(log.slice(1).map((e) => e.txid).sort());
  });

  it('more new events than it pages through is a gap; the next round is in place again', async () => {
    const log = [ev()];
    const feed = new ContractEventFeed(chainOf(log), 'c', 2, 3);
    await feed.mark();
    for (let i = 0; i < 10; i++) log.push(ev());
    const r = await feed.next();
    expect(r.gap).toBe(true);
    const later = ev();
    log.push(later);
    expect(await feed.next()).toEqual({ events: [later], gap: false });
  });

  it('its last event gone (a reorg) is a gap, and so is a round before it was ever marked', async () => {
    const log = [ev(), ev()];
    const feed = new ContractEventFeed(chainOf(log), 'c', 5);
    expect((await feed.next()).gap).toBe(true); // never marked: the caller reads in full
    log.pop();
    const r = await feed.next();
    expect(r.gap).toBe(true);
    log.length = 0;
    expect((await feed.next()).gap).toBe(true); // nothing left at all
    log.push(ev());
    expect(await feed.next()).toEqual({ events: [log[0]], gap: false });
  });
});
