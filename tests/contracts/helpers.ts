// Shared helpers for the contract suites: devnet accounts and keys, state building and
// signing with the client's own codec (so every contract test is also a codec test),
// typed wrappers around the channel contract's functions, and the error table.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cl, cvToValue, hexToCV, type ClarityValue } from '@stacks/transactions';
import { expect } from 'vitest';
import { Action, type ChannelState, type Htlc } from '../../client/src/codec/state.js';
import { stateToClarity } from '../../client/src/codec/state.js';
import { domainHash, stateHash } from '../../client/src/codec/sip018.js';
import { signHash, publicKeyOf } from '../../client/src/crypto/noble.js';
import { DEVNET_ACCOUNTS } from '../../client/src/devnet/accounts.js';
import { stateArgs, type StateFunction } from '../../client/src/chain/signed.js';

export { Action };
export type { ChannelState, Htlc };

const accounts = simnet.getAccounts();
export const deployer = accounts.get('deployer')!;
export const alice = accounts.get('wallet_1')!;
export const bob = accounts.get('wallet_2')!;
export const carol = accounts.get('wallet_3')!;
export const mallory = accounts.get('wallet_4')!;

/** Devnet private keys (settings/Devnet.toml, public test keys), by address. */
export const keys: Record<string, Uint8Array> = Object.fromEntries(
  Object.values(DEVNET_ACCOUNTS).map((a) => [a.address, a.privateKey]),
);

export const CHANNEL = `${deployer}.bitstream`;
export const CHANNEL_2 = `${deployer}.bitstream-2`;
export const REGISTRY = `${deployer}.secret-registry`;
export const TEST_TOKEN = `${deployer}.test-token`;
export const SBTC = `${deployer}.sbtc-token`;
export const SIMNET_CHAIN_ID = 0x80000000;
export const MAX_UINT = (1n << 128n) - 1n;
export const WINDOW = 6n;

/** Every error constant of the channel contract and the registry, by name. */
export const ERR = {
  NOT_PARTICIPANT: 100, NOT_ACTOR: 101, SELF_CHANNEL: 102,
  UNKNOWN_CHANNEL: 200, NOT_OPEN: 201, NOT_CLOSING: 202, NOT_CLOSED: 203,
  WINDOW_OPEN: 204, WINDOW_ENDED: 205, BAD_WINDOW: 206,
  SIGNATURE_A: 300, SIGNATURE_B: 301, HIGH_S: 302, RECOVERY_ID: 303,
  STALE_NONCE: 304, WRONG_ACTION: 305, BAD_SIGNER_KEY: 306, SIGNATURE_LENGTH: 307, STATE_EXPIRED: 308,
  ZERO_AMOUNT: 400, SUM_MISMATCH: 401, WRONG_TOKEN: 402, AMOUNT_EXCEEDS_TOTAL: 403, AMOUNT_OVERFLOW: 404,
  NOTHING_OWED: 405,
  HTLC_INDEX: 500, HTLC_SETTLED: 501, HTLC_PENDING: 502, ALREADY_REVEALED: 550,
} as const;

export function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'hex'));
}
export function toHex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

export type Token = string | null; // contract principal of a SIP-010 token, null for STX
/** A token argument: none for STX. */
export const tokenArg = (token: Token): ClarityValue => (token === null ? Cl.none() : Cl.some(Cl.principal(token)));

export interface Channel {
  id: Uint8Array;
  a: string;
  b: string;
  token: Token;
  contract: string;
}

export interface Signed {
  state: ChannelState;
  sigA: Uint8Array;
  sigB: Uint8Array;
}

export function domainHashOf(contract = CHANNEL, chainId = SIMNET_CHAIN_ID): Uint8Array {
  return domainHash({ contract, chainId });
}

/** Sign `state` as both participants with their own keys (or given keys). */
export function sign(
  ch: Channel,
  state: ChannelState,
  opts: { keyA?: Uint8Array; keyB?: Uint8Array; contract?: string; chainId?: number } = {},
): Signed {
  const h = stateHash(state, domainHashOf(opts.contract ?? ch.contract, opts.chainId));
  return {
    state,
    sigA: signHash(h, opts.keyA ?? keys[ch.a]!),
    sigB: signHash(h, opts.keyB ?? keys[ch.b]!),
  };
}

/** Burn blocks a helper-built close, deposit or withdraw state stays landable. */
export const LAND_WITHIN = 100n;

/**
 * A state of `ch`: a transfer unless `fields` say otherwise. Close, deposit and withdraw
 * states land by `validUntil`, LAND_WITHIN burn blocks from now unless given.
 */
export function state(ch: Channel, fields: Partial<ChannelState> & { nonce: bigint; balanceA: bigint; balanceB: bigint }): ChannelState {
  const action = fields.action ?? Action.Transfer;
  return {
    channelId: ch.id, htlcs: [], action, actor: null, amount: 0n,
    validUntil: action === Action.Transfer ? 0n : burnHeight() + LAND_WITHIN,
    data: new Uint8Array(32),
    ...fields,
  };
}

/** Open a channel from `a` to `b` and return it (fails the test if the call fails). */
export function open(
  a: string,
  b: string,
  amount: bigint,
  opts: { token?: Token; window?: bigint; signer?: Uint8Array; contract?: string } = {},
): Channel {
  const token = opts.token ?? null;
  const contract = opts.contract ?? CHANNEL;
  const r = callCreate(a, b, amount, { ...opts, contract, token });
  expect(r.result.type, 'create-channel must succeed').toBe('ok');
  const id = (r.result as { value: { value: string } }).value.value;
  return { id: hex(id), a, b, token, contract };
}

export function callCreate(
  a: string,
  b: string,
  amount: bigint,
  opts: { token?: Token; window?: bigint; signer?: Uint8Array; contract?: string } = {},
) {
  return simnet.callPublicFn(
    opts.contract ?? CHANNEL,
    'create-channel',
    [
      Cl.principal(b),
      tokenArg(opts.token ?? null),
      Cl.uint(amount),
      Cl.uint(opts.window ?? WINDOW),
      opts.signer ? Cl.some(Cl.buffer(opts.signer)) : Cl.none(),
    ],
    a,
  );
}

/** The contract's arguments for `fn` carrying `s`, as the client lays them out (no fit check). */
export const signedArgs = (fn: StateFunction, s: Signed): ClarityValue[] => stateArgs(fn, s.state, s.sigA, s.sigB);

/** Call a state-taking function of the channel contract. */
export function callWithState(
  fn: Exclude<StateFunction, 'verify-payment'>,
  ch: Channel,
  s: Signed,
  caller: string,
  opts: { token?: Token; signer?: Uint8Array; contract?: string } = {},
) {
  const args = signedArgs(fn, s);
  const token = opts.token === undefined ? ch.token : opts.token;
  if (fn === 'fund-channel') args.push(tokenArg(token), opts.signer ? Cl.some(Cl.buffer(opts.signer)) : Cl.none());
  if (fn === 'withdraw' || fn === 'close-channel') args.push(tokenArg(token));
  return simnet.callPublicFn(opts.contract ?? ch.contract, fn, args, caller);
}

export function callId(
  fn: 'emergency-close' | 'resolve',
  ch: Channel,
  caller: string,
  opts: { token?: Token; contract?: string } = {},
) {
  const args: ClarityValue[] = [Cl.buffer(ch.id)];
  if (fn === 'resolve') args.push(tokenArg(opts.token === undefined ? ch.token : opts.token));
  return simnet.callPublicFn(opts.contract ?? ch.contract, fn, args, caller);
}

export function callSettle(ch: Channel, index: number, caller: string, token?: Token) {
  return simnet.callPublicFn(
    ch.contract,
    'settle-htlc',
    [Cl.buffer(ch.id), Cl.uint(index), tokenArg(token === undefined ? ch.token : token)],
    caller,
  );
}

export function reveal(secret: Uint8Array, caller = carol) {
  return simnet.callPublicFn(REGISTRY, 'reveal-secret', [Cl.buffer(secret)], caller);
}

export function verify(ch: Channel, s: Signed, contract = ch.contract) {
  return simnet.callReadOnlyFn(contract, 'verify-payment', signedArgs('verify-payment', s), alice).result;
}

export interface ChannelRecord {
  'participant-a': string;
  'participant-b': string;
  token: string | null;
  window: bigint;
  total: bigint;
  status: bigint;
  nonce: bigint;
  'balance-a': bigint;
  'balance-b': bigint;
  htlcs: { hash: string; amount: bigint; expiry: bigint; 'offered-by-a': boolean }[];
  /** Party.Nobody, Party.A or Party.B */
  closer: bigint;
  'deadline-burn': bigint;
  'deadline-tenure': bigint;
  /** Party.Nobody, Party.A or Party.B */
  cheater: bigint;
}

/** How the contract names a participant in `closer` and `cheater` (PROTOCOL §6.8). */
export const Party = { Nobody: 0n, A: 1n, B: 2n } as const;

/** The channel record decoded to plain values (bigints for uints). */
export function record(ch: Channel): ChannelRecord | null {
  const r = simnet.callReadOnlyFn(ch.contract, 'get-channel', [Cl.buffer(ch.id)], alice).result;
  if (r.type === 'none') return null;
  return plain(r) as ChannelRecord;
}

/** cvToValue, deeply, with uints as bigints and optionals as value-or-null. */
export function plain(cv: ClarityValue): unknown {
  switch (cv.type) {
    case 'uint':
    case 'int':
      return BigInt(cv.value);
    case 'none':
      return null;
    case 'some':
    case 'ok':
    case 'err':
      return plain(cv.value);
    case 'tuple':
      return Object.fromEntries(Object.entries(cv.value).map(([k, v]) => [k, plain(v)]));
    case 'list':
      return cv.value.map(plain);
    case 'buffer':
      return cv.value;
    default:
      return cvToValue(cv);
  }
}

export const Status = { Open: 0n, Closing: 1n, Closed: 2n } as const;

export function stxBalance(who: string): bigint {
  return simnet.getAssetsMap().get('STX')?.get(who) ?? 0n;
}

/** Balance of `who` in a SIP-010 token whose asset is named like its contract (all ours are). */
export function tokenBalance(token: string, who: string): bigint {
  const name = token.split('.')[1]!;
  return simnet.getAssetsMap().get(`.${name}.${name}`)?.get(who) ?? 0n;
}

/** Balance of `who` in the channel's token. */
export function balanceOf(ch: Pick<Channel, 'token'>, who: string): bigint {
  return ch.token === null ? stxBalance(who) : tokenBalance(ch.token, who);
}

export function mint(token: string, amount: bigint, who: string) {
  const r = simnet.callPublicFn(token, 'faucet', [Cl.uint(amount), Cl.principal(who)], who);
  expect(r.result).toBeOk(Cl.bool(true));
}

/** The single print event of a call, decoded. */
export function printEvent(events: { event: string; data: { value?: ClarityValue } }[]): Record<string, unknown> {
  const prints = printEvents(events);
  expect(prints).toHaveLength(1);
  return prints[0]!;
}

/** Every print event of a call, decoded, in order. */
export function printEvents(events: { event: string; data: { value?: ClarityValue } }[]): Record<string, unknown>[] {
  return events.filter((e) => e.event === 'print_event').map((e) => plain(e.data.value!) as Record<string, unknown>);
}

export function expectErr(result: ClarityValue, code: number) {
  expect(result).toBeErr(Cl.uint(code));
}

export function secretPair(seed: number): { secret: Uint8Array; hash: Uint8Array } {
  const secret = new Uint8Array(32).fill(seed);
  return { secret, hash: new Uint8Array(createHash('sha256').update(secret).digest()) };
}

export { publicKeyOf, signHash, stateHash, domainHash, stateToClarity };

/** The malleated twin of a low-S signature: S' = n - S, recovery id flipped. */
export function highS(sig: Uint8Array): Uint8Array {
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const s = BigInt('0x' + toHex(sig.subarray(32, 64)));
  const out = Uint8Array.from(sig);
  out.set(hex((n - s).toString(16).padStart(64, '0')), 32);
  out[64] = sig[64]! ^ 1;
  return out;
}

/** A channel where `a` escrowed `amountA` and `b` funded `amountB` with a co-signed deposit state (nonce 1). */
export function fundedChannel(
  a: string,
  b: string,
  amountA: bigint,
  amountB: bigint,
  opts: { token?: Token; window?: bigint; contract?: string } = {},
): { ch: Channel; funding: Signed } {
  if (opts.token) {
    mint(opts.token, amountA, a);
    mint(opts.token, amountB, b);
  }
  const ch = open(a, b, amountA, opts);
  const funding = sign(ch, state(ch, { nonce: 1n, balanceA: amountA, balanceB: amountB, action: Action.Deposit, actor: b, amount: amountB }));
  const r = callWithState('fund-channel', ch, funding, b);
  expect(r.result).toBeOk(Cl.uint(1));
  return { ch, funding };
}

/**
 * The nonce-2 state `fn` takes on a channel funded 100/100 at nonce 1 (fundedChannel):
 * bob deposits or withdraws 50; a transfer or close moves 10 to bob. `extra` sets more
 * fields (data, valid-until).
 */
export function sampleState(
  ch: Channel,
  fn: 'update-balance' | 'initiate-dispute' | 'close-channel' | 'fund-channel' | 'withdraw',
  extra: Partial<ChannelState> = {},
): ChannelState {
  switch (fn) {
    case 'update-balance':
    case 'initiate-dispute':
      return state(ch, { nonce: 2n, balanceA: 90n, balanceB: 110n, ...extra });
    case 'close-channel':
      return state(ch, { nonce: 2n, balanceA: 90n, balanceB: 110n, action: Action.Close, ...extra });
    case 'fund-channel':
      return state(ch, { nonce: 2n, balanceA: 100n, balanceB: 150n, action: Action.Deposit, actor: bob, amount: 50n, ...extra });
    case 'withdraw':
      return state(ch, { nonce: 2n, balanceA: 100n, balanceB: 50n, action: Action.Withdraw, actor: bob, amount: 50n, ...extra });
  }
}

export function burnHeight(): bigint {
  return BigInt(simnet.burnBlockHeight);
}

/** The tenure height a call made now sees (HTLC expiries and reveals count tenures, PROTOCOL §5). */
export function tenureHeight(): bigint {
  return plain(hexToCV(simnet.runSnippet('tenure-height') as string)) as bigint;
}

/** `claim (id owner token)`: pay `owner` a payout its token refused (PROTOCOL §6.5). */
export function callClaim(ch: Channel, owner: string, caller: string, token?: Token) {
  return simnet.callPublicFn(
    ch.contract,
    'claim',
    [Cl.buffer(ch.id), Cl.principal(owner), tokenArg(token === undefined ? ch.token : token)],
    caller,
  );
}

/** What waits in `unpaid` for `owner` in `ch`. */
export function unpaid(ch: Channel, owner: string): bigint {
  return plain(simnet.callReadOnlyFn(ch.contract, 'get-unpaid', [Cl.buffer(ch.id), Cl.principal(owner)], alice).result) as bigint;
}

/** What `contract` actually holds in `token`, from the simnet's asset map. */
export function holdings(token: Token, contract = CHANNEL): bigint {
  return token === null ? stxBalance(contract) : tokenBalance(token, contract);
}

/** Has the window of `ch` ended (burn blocks and tenures)? */
export function windowEnded(ch: Channel): boolean {
  return plain(simnet.callReadOnlyFn(ch.contract, 'is-window-ended', [Cl.buffer(ch.id)], alice).result) as boolean;
}

/**
 * I1 for one token: what the contract holds equals the sum of `total` over `channels`
 * (every channel of that token in the contract) plus what waits in `unpaid` for their
 * participants.
 */
export function expectConservation(token: Token, channels: readonly Channel[], contract = CHANNEL) {
  let owed = 0n;
  for (const ch of channels) {
    owed += record(ch)!.total + unpaid(ch, ch.a) + unpaid(ch, ch.b);
  }
  expect(holdings(token, contract), 'holdings = totals + unpaid').toBe(owed);
}

/** The source of the test-only contract tests/contracts/fixtures/<name>.clar, under the repository root `root`. */
export function fixtureSource(name: string, root = '.'): string {
  return readFileSync(join(root, 'tests', 'contracts', 'fixtures', `${name}.clar`), 'utf8');
}

/**
 * Deploy the fixture `name` (Clarity 4) as `name`; paths are from the repository root,
 * where vitest runs. The simnet is reset before every test, so suites deploy fixtures in
 * beforeEach (the model test, on one simnet per file, once).
 */
export function deployFixture(name: string) {
  const r = simnet.deployContract(name, fixtureSource(name), { clarityVersion: 4 }, deployer);
  expect(r.result, `deploy ${name}`).toBeBool(true);
  return `${deployer}.${name}`;
}

/** fixtures/block-token.clar as deployed: a SIP-010 token that refuses transfers to blocked recipients (PROTOCOL 6.5). */
export const REFUSING_TOKEN = `${deployer}.block-token`;
/** What block-token answers a transfer to a blocked recipient (its ERR-BLOCKED). */
export const ERR_TOKEN_BLOCKED = 903;
/** fixtures/proxy.clar as deployed: an intermediary forwarding calls to bitstream (I5). */
export const PROXY = `${deployer}.proxy`;

/** Block (`flag`) or unblock `who` as a recipient of block-token, on `sim` (the test's simnet unless given). */
export function setBlocked(who: string, flag: boolean, sim: Pick<typeof simnet, 'callPublicFn'> = simnet): void {
  const r = sim.callPublicFn(REFUSING_TOKEN, 'set-blocked', [Cl.principal(who), Cl.bool(flag)], deployer);
  if (r.result.type !== 'ok') throw new Error(`set-blocked ${who} ${flag} failed`);
}

/** An entry of `map` in `contract`'s storage, or none (the simnet throws "value not found" for a missing key). */
export function mapEntryOrNone(map: string, key: ClarityValue, sim: Pick<typeof simnet, 'getMapEntry'> = simnet, contract = CHANNEL): ClarityValue {
  try {
    return sim.getMapEntry(contract, map, key);
  } catch (e) {
    if (String(e instanceof Error ? e.message : e).includes('value not found')) return Cl.none();
    throw e;
  }
}
