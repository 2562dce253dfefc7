// The local chain: one simnet and everything around it (journal, accounts, mempool,
// block producer), the clocks that mine blocks, and the one lock every operation takes,
// so that HTTP requests, clock ticks and a post-condition rebuild never interleave on
// the simnet. Routes call these methods; nothing else touches the parts. No HTTP here.
import type { Simnet } from '@stacks/clarinet-sdk';
import { Cl, hexToCV, serializeCV, type ClarityAbiFunction, type ClarityValue } from '@stacks/transactions';
import { Accounts, canonicalPrincipal } from './accounts.js';
import { decodeTransaction, transactionBytes, TESTNET_CHAIN_ID } from './decode-tx.js';
import { LocalChainError } from './errors.js';
import { packagedManifest } from './manifest.js';
import { Journal, type BlockInfo } from './journal.js';
import { Mempool, type DropStatus, type PendingTx } from './mempool.js';
import { ObserverPush } from './observer.js';
import { BlockProducer, type MinedTx } from './producer.js';

export interface LocalChainOptions {
  /** a simnet to run on (tests pass vitest's global one); its session is reset at start */
  readonly simnet?: Simnet;
  /** Clarinet.toml of the project to deploy (default: the one that ships with BitStream, its own contracts) */
  readonly manifestPath?: string;
  /** mine waiting transactions every this many ms; 0 = only on demand (default 1000) */
  readonly blockIntervalMs?: number;
  /** mine one burn block every this many ms; 0 = only on demand (default 2000) */
  readonly burnBlockIntervalMs?: number;
  /** the chain id transactions must carry (default testnet, 0x80000000) */
  readonly chainId?: number;
  /** event observers (stacks-node `[[events_observer]]`): each gets POST /new_block and /new_burn_block, e.g. http://127.0.0.1:3700 */
  readonly observers?: readonly string[];
  readonly log?: (line: string) => void;
}

export type TransactionView = ({ readonly pending: PendingTx } | { readonly mined: MinedTx } | { readonly dropped: PendingTx & { readonly status: DropStatus } }) & { readonly abi: ClarityAbiFunction | undefined };

export interface Heights {
  readonly stacks: number;
  readonly burn: number;
  readonly tenure: number;
}

export class LocalChain {
  readonly chainId: number;
  private readonly accounts: Accounts;
  private readonly mempool: Mempool;
  private readonly producer: BlockProducer;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly timers: NodeJS.Timeout[] = [];
  private stopped = false;
  private readonly observers: ObserverPush;

  private constructor(
    private readonly journal: Journal,
    private readonly opts: LocalChainOptions,
  ) {
    this.chainId = opts.chainId ?? TESTNET_CHAIN_ID;
    this.accounts = new Accounts(journal.simnet);
    this.mempool = new Mempool(journal.simnet, this.accounts);
    this.producer = new BlockProducer(journal, this.accounts, this.mempool);
    // observers hear of what is mined from now on
    this.observers = new ObserverPush(opts.observers ?? [], { stacks: journal.simnet.blockHeight, burn: journal.simnet.burnBlockHeight }, (l) => opts.log?.(l));
  }

  /** Tell the observers about new blocks (under the lock, after anything that mined). */
  private pushBlocks(): void {
    if (!this.observers.active) return;
    this.observers.advance(this.journal.blocks(), this.producer.all(), this.simnet.burnBlockHeight);
  }

  /** Boot the simnet (or reset the given one) and start the block clocks. */
  static async start(opts: LocalChainOptions = {}): Promise<LocalChain> {
    const manifestPath = opts.manifestPath ?? packagedManifest();
    let simnet = opts.simnet;
    if (simnet === undefined) {
      const { initSimnet } = await import('@stacks/clarinet-sdk');
      simnet = await initSimnet(manifestPath);
    }
    const journal = new Journal(simnet, manifestPath);
    // The journal must hold the whole history (a rebuild replays it from genesis), so an
    // injected simnet starts over; a freshly booted one is already at genesis.
    if (opts.simnet !== undefined) await journal.reset();
    const chain = new LocalChain(journal, opts);
    chain.startClocks(opts.blockIntervalMs ?? 1000, opts.burnBlockIntervalMs ?? 2000);
    return chain;
  }

  get simnet(): Simnet {
    return this.journal.simnet;
  }

  /** Run `fn` alone on the chain: the lock every operation takes. */
  exclusive<T>(fn: () => T | Promise<T>): Promise<T> {
    if (this.stopped) return Promise.reject(new LocalChainError('LOCALCHAIN_STOPPED', 'the local chain is stopped'));
    const result = this.tail.then(fn);
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** POST /v2/transactions: decode, verify, admit; the txid, or a MempoolRejection. */
  submit(body: Uint8Array, contentType: string | undefined): Promise<string> {
    return this.exclusive(() => {
      const tx = decodeTransaction(transactionBytes(body, contentType), this.chainId);
      this.mempool.admit(tx, Math.floor(Date.now() / 1000));
      this.opts.log?.(`admitted ${tx.txid} ${tx.payload.kind} from ${tx.origin} nonce ${tx.nonce}`);
      return tx.txid;
    });
  }

  /** The mined history and the tip, for the history views (history.ts). */
  history(): Promise<{ mined: readonly MinedTx[]; burn: number; blocks: readonly BlockInfo[]; pending: readonly PendingTx[]; abi: (tx: MinedTx['tx']) => ClarityAbiFunction | undefined }> {
    return this.exclusive(() => {
      const abis = new Map<string, ClarityAbiFunction | undefined>();
      const abi = (tx: MinedTx['tx']) => {
        if (tx.payload.kind !== 'contract_call') return undefined;
        const k = `${tx.payload.contractId}::${tx.payload.functionName}`;
        if (!abis.has(k)) abis.set(k, this.functionAbi(tx.payload.contractId, tx.payload.functionName));
        return abis.get(k);
      };
      return { mined: this.producer.all(), burn: this.simnet.burnBlockHeight, blocks: this.journal.blocks(), pending: this.mempool.all(), abi };
    });
  }

  /** Dev: the next `count` admitted calls of `functionName` stay waiting, unmined, until replaced. */
  holdNext(functionName: string, count: number): Promise<void> {
    return this.exclusive(() => this.mempool.holdNext(functionName, count));
  }

  /** Dev: the next `count` admitted calls of `functionName` are dropped instead of mined. */
  dropNext(functionName: string, count: number): Promise<void> {
    return this.exclusive(() => this.mempool.dropNext(functionName, count));
  }

  /** Mine waiting transactions, then `blocks` empty Stacks blocks and `burnBlocks` burn blocks. */
  mine(blocks = 0, burnBlocks = 0): Promise<MinedTx[]> {
    return this.exclusive(async () => {
      const mined = await this.producer.mineMempool();
      this.producer.mineStacksBlocks(blocks);
      this.producer.mineBurnBlocks(burnBlocks);
      this.pushBlocks();
      for (const m of mined) this.opts.log?.(`mined ${m.tx.txid} in block ${m.blockHeight}: ${m.status}${m.vmError ? ` (${m.vmError})` : ''}`);
      return mined;
    });
  }

  heights(): Promise<Heights> {
    return this.exclusive(() => {
      const tenure = this.simnet.execute('tenure-height').result;
      return {
        stacks: this.simnet.blockHeight,
        burn: this.simnet.burnBlockHeight,
        tenure: tenure.type === 'uint' ? Number(tenure.value) : this.simnet.burnBlockHeight,
      };
    });
  }

  account(principal: string): Promise<{ stx: bigint; nonce: bigint; feesPaid: bigint; pending: readonly PendingTx[] }> {
    return this.exclusive(() => {
      const who = canonicalPrincipal(principal);
      return { stx: this.accounts.stx(who), nonce: this.accounts.nonce(who), feesPaid: this.accounts.feesPaid(who), pending: this.mempool.pendingOf(who) };
    });
  }

  holdings(principal: string) {
    return this.exclusive(() => this.accounts.holdings(principal));
  }

  /**
   * A transaction by id (hex, with or without 0x): waiting, mined, or unknown; with the
   * ABI of the function it calls, read under the lock (a rebuild may be under way).
   */
  transaction(txid: string): Promise<TransactionView | null> {
    const id = txid.toLowerCase().replace(/^0x/, '');
    return this.exclusive(() => {
      const pending = this.mempool.find(id);
      const record = pending === undefined ? this.producer.receipt(id) : undefined;
      const dropped = pending === undefined && record === undefined ? this.mempool.dropped(id) : undefined;
      const tx = pending?.tx ?? record?.tx ?? dropped?.tx;
      if (tx === undefined) return null;
      const abi = tx.payload.kind === 'contract_call' ? this.functionAbi(tx.payload.contractId, tx.payload.functionName) : undefined;
      return pending !== undefined ? { pending, abi } : record !== undefined ? { mined: record, abi } : { dropped: dropped!, abi };
    });
  }

  private functionAbi(contractId: string, fn: string): ClarityAbiFunction | undefined {
    const f = this.simnet.getContractsInterfaces().get(contractId)?.functions.find((x) => x.name === fn);
    return f as unknown as ClarityAbiFunction | undefined;
  }

  contractInterface(contractId: string) {
    return this.exclusive(() => this.simnet.getContractsInterfaces().get(contractId) ?? null);
  }

  contractSource(contractId: string): Promise<string | null> {
    return this.exclusive(() => this.simnet.getContractSource(contractId) ?? null);
  }

  /** Evaluate a read-only function; its value, or why it could not run. */
  callReadOnly(contractId: string, fn: string, sender: string, argsHex: readonly string[]): Promise<{ okay: true; result: string } | { okay: false; cause: string }> {
    return this.exclusive(() => {
      const args = argsHex.map(cvFromHex);
      try {
        const r = this.simnet.callReadOnlyFn(contractId, fn, args, canonicalPrincipal(sender));
        return { okay: true as const, result: `0x${serializeCV(r.result).replace(/^0x/, '')}` };
      } catch (e) {
        return { okay: false as const, cause: e instanceof Error ? e.message : String(e) };
      }
    });
  }

  mapEntry(contractId: string, map: string, keyHex: string): Promise<string> {
    return this.exclusive(() => {
      const key = cvFromHex(keyHex);
      const maps = this.simnet.getContractsInterfaces().get(contractId)?.maps ?? [];
      if (!maps.some((m) => m.name === map)) throw new LocalChainError('LOCALCHAIN_NOT_FOUND', `no map ${map} in ${contractId}`);
      // a key the map does not hold is `none`, as a node answers (the simnet throws instead)
      try {
        return hex(this.simnet.getMapEntry(contractId, map, key));
      } catch {
        return hex(Cl.none());
      }
    });
  }

  dataVar(contractId: string, name: string): Promise<string> {
    return this.exclusive(() => hex(notFound(() => this.simnet.getDataVar(contractId, name), `no data var ${name} in ${contractId}`)));
  }

  /** Stop the clocks and wait for the operation in flight. */
  async stop(): Promise<void> {
    this.observers.stop();
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    const last = this.tail;
    this.stopped = true;
    await last;
  }

  private startClocks(blockMs: number, burnMs: number): void {
    const tick = (what: string, fn: () => Promise<unknown>) => () => {
      if (this.stopped) return;
      fn().catch((e: unknown) => this.opts.log?.(`${what} failed: ${e instanceof Error ? e.message : String(e)}`));
    };
    if (blockMs > 0) {
      this.timers.push(setInterval(tick('block', () => (this.mempool.size > 0 ? this.mine() : Promise.resolve([]))), blockMs));
    }
    if (burnMs > 0) {
      this.timers.push(setInterval(tick('burn block', () => this.exclusive(() => {
        this.producer.mineBurnBlocks(1);
        this.pushBlocks();
      })), burnMs));
    }
    for (const t of this.timers) t.unref();
  }
}

function cvFromHex(h: string): ClarityValue {
  try {
    return hexToCV(h);
  } catch (cause) {
    throw new LocalChainError('LOCALCHAIN_BAD_REQUEST', `not a serialized Clarity value: ${h.slice(0, 80)}`, { cause });
  }
}

function notFound<T>(read: () => T, message: string): T {
  try {
    return read();
  } catch (cause) {
    throw new LocalChainError('LOCALCHAIN_NOT_FOUND', message, { cause });
  }
}

function hex(cv: ClarityValue): string {
  return `0x${serializeCV(cv).replace(/^0x/, '')}`;
}
