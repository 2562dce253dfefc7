// The local chain end to end over HTTP on 127.0.0.1: every client here is
// @stacks/transactions / @stacks/network exactly as a dapp or wallet uses them against a
// node (plus fetch for the API's tx-status endpoint and the dev-only /dev/mine), so a
// pass means those libraries cannot tell this server from a Stacks node. Each test
// boots a fresh chain on the file's simnet (the server resets its session).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Cl,
  Pc,
  broadcastTransaction,
  cvToHex,
  deserializeTransaction,
  fetchCallReadOnlyFunction,
  fetchNonce,
  makeContractCall,
  makeContractDeploy,
  makeSTXTokenTransfer,
  type ClarityValue,
  type PostCondition,
  type StacksTransactionWire,
  type TxBroadcastResult,
} from '@stacks/transactions';
import { ChainId, createNetwork, type StacksNetwork } from '@stacks/network';
import { startLocalChain, type RunningChain, type StartOptions } from '../../client/src/localchain/index.js';
import { alice, bob, carol, deployer, keys, toHex } from '../contracts/helpers.js';

/** @stacks/transactions wants the compressed-key suffix on a private key. */
const keyOf = (who: string) => `${toHex(keys[who]!)}01`;
const DEPOSIT = 1000n;
const CHANNEL_CONTRACT = `${deployer}.bitstream`;

let running: RunningChain | null = null;
let network: StacksNetwork;

async function boot(opts: StartOptions = {}): Promise<RunningChain> {
  if (running !== null) await running.stop();
  // clocks off by default: tests mine with /dev/mine unless they test the clocks
  running = await startLocalChain({ simnet, port: 0, blockIntervalMs: 0, burnBlockIntervalMs: 0, ...opts });
  network = createNetwork({ network: 'devnet', client: { baseUrl: running.url } });
  return running;
}

beforeEach(async () => {
  await boot();
});

afterEach(async () => {
  await running?.stop();
  running = null;
});

const url = (path: string) => `${running!.url}${path}`;

async function getJson<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(url(path));
  return { status: res.status, body: (await res.json()) as T };
}

async function mine(body: { blocks?: number; burnBlocks?: number } = {}) {
  const res = await fetch(url('/dev/mine'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return (await res.json()) as { mined: { tx_id: string; tx_status: string }[]; stacks_tip_height: number; burn_block_height: number };
}

interface ApiTx {
  tx_id: string;
  tx_status: string;
  tx_result?: { hex: string; repr: string };
  events?: { event_type: string; asset?: { asset_event_type: string; sender: string; recipient: string; amount: string }; contract_log?: { contract_id: string } }[];
  fee_rate: string;
  nonce: number;
  block_height?: number;
  vm_error?: string | null;
}

async function txStatus(txid: string): Promise<ApiTx> {
  const { status, body } = await getJson<ApiTx>(`/extended/v1/tx/${txid}`);
  expect(status).toBe(200);
  return body;
}

/** Poll the API until the transaction leaves the mempool (bounded; no timing asserted). */
async function settled(txid: string): Promise<ApiTx> {
  for (let i = 0; i < 600; i++) {
    const tx = await txStatus(txid);
    if (tx.tx_status !== 'pending') return tx;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`transaction ${txid} still pending`);
}

/** STX balance through the node's account endpoint (0x-hex, as the node returns it). */
async function stx(who: string): Promise<bigint> {
  const { body } = await getJson<{ balance: string }>(`/v2/accounts/${who}?proof=0`);
  return BigInt(body.balance);
}

function accepted(r: TxBroadcastResult): string {
  if ('reason' in r) throw new Error(`broadcast rejected: ${JSON.stringify(r)}`);
  return r.txid;
}

function createChannelCall(opts: { postConditions?: PostCondition[]; mode?: 'deny' | 'allow'; window?: bigint; nonce?: bigint; fee?: bigint } = {}) {
  return makeContractCall({
    contractAddress: deployer,
    contractName: 'bitstream',
    functionName: 'create-channel',
    functionArgs: [Cl.principal(bob), Cl.none(), Cl.uint(DEPOSIT), Cl.uint(opts.window ?? 6n), Cl.none()],
    senderKey: keyOf(alice),
    network,
    postConditions: opts.postConditions ?? [Pc.principal(alice).willSendEq(DEPOSIT).ustx()],
    postConditionMode: opts.mode ?? 'deny',
    ...(opts.nonce === undefined ? {} : { nonce: opts.nonce }),
    ...(opts.fee === undefined ? {} : { fee: opts.fee }),
  });
}

async function readOnly(functionName: string, functionArgs: ClarityValue[]): Promise<ClarityValue> {
  return fetchCallReadOnlyFunction({ contractAddress: deployer, contractName: 'bitstream', functionName, functionArgs, senderAddress: alice, network });
}

const nextChannelId = () => readOnly('get-next-channel-id', [Cl.principal(alice), Cl.principal(bob), Cl.none()]);

/** Everything a refused transaction must leave as it was. */
async function snapshot() {
  return {
    alice: await stx(alice),
    contract: await stx(CHANNEL_CONTRACT),
    nonce: await fetchNonce({ address: alice, network }),
    next: cvToHex(await nextChannelId()),
  };
}

function expectRefused(r: TxBroadcastResult, reason: string) {
  expect(r).toMatchObject({ error: 'transaction rejected', reason });
  expect(r).toHaveProperty('reason_data');
  expect(r).toHaveProperty('txid');
}

describe('local chain: node and API shapes', () => {
  it('binds loopback and answers /v2/info with the testnet network id and live heights', async () => {
    expect(running!.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { body: info } = await getJson<{ network_id: number; burn_block_height: number; stacks_tip_height: number; stacks_tip: string }>('/v2/info');
    expect(info.network_id).toBe(ChainId.Testnet);
    expect(info.stacks_tip).toMatch(/^[0-9a-f]{64}$/);
    const after = await mine({ blocks: 2, burnBlocks: 6 });
    const { body: info2 } = await getJson<typeof info>('/v2/info');
    expect(info2.stacks_tip_height).toBe(after.stacks_tip_height);
    expect(info2.burn_block_height).toBe(info.burn_block_height + 6);
    expect(info2.stacks_tip_height).toBeGreaterThanOrEqual(info.stacks_tip_height + 2);
  });

  it('reports accounts as the node (0x-hex balance, nonce) and balances as the API, tokens keyed <contract>::<asset>', async () => {
    const { body: account } = await getJson<{ balance: string; nonce: number }>(`/v2/accounts/${carol}?proof=0`);
    expect(account.balance).toMatch(/^0x[0-9a-f]{32}$/);
    expect(BigInt(account.balance)).toBe(100_000_000_000_000n);
    expect(account.nonce).toBe(0);

    // carol mints herself test tokens with a real signed call
    const faucet = await makeContractCall({
      contractAddress: deployer, contractName: 'test-token', functionName: 'faucet',
      functionArgs: [Cl.uint(500n), Cl.principal(carol)], senderKey: keyOf(carol), network, postConditionMode: 'deny',
    });
    const txid = accepted(await broadcastTransaction({ transaction: faucet, network }));
    await mine();
    expect((await txStatus(txid)).tx_status).toBe('success');

    const { body: balances } = await getJson<{ stx: { balance: string; total_fees_sent: string }; fungible_tokens: Record<string, { balance: string }> }>(
      `/extended/v1/address/${carol}/balances`,
    );
    const fee = BigInt(faucet.auth.spendingCondition.fee);
    expect(balances.stx.balance).toBe((100_000_000_000_000n - fee).toString());
    expect(balances.stx.total_fees_sent).toBe(fee.toString());
    expect(balances.fungible_tokens).toEqual({ [`${deployer}.test-token::test-token`]: expect.objectContaining({ balance: '500' }) });
    expect(await fetchNonce({ address: carol, network })).toBe(1n);
  });

  it('reports the account of a contract whose name Clarity would lex as a uint (u0, u12x)', async () => {
    // `'ST….u0` is not valid Clarity source: the balance read must not be built from it
    for (const name of ['u0', 'u12x']) {
      const { status, body } = await getJson<{ balance: string; nonce: number }>(`/v2/accounts/${deployer}.${name}?proof=0`);
      expect(status).toBe(200);
      expect(BigInt(body.balance)).toBe(0n);
    }
  });

  it('answers a read-only call through fetchCallReadOnlyFunction', async () => {
    const unpaid = await readOnly('get-unpaid', [Cl.buffer(new Uint8Array(32)), Cl.principal(deployer)]);
    expect(unpaid).toEqual(Cl.uint(0n));
    const id = await nextChannelId();
    expect(id.type).toBe('buffer');
  });
});

describe('local chain: mined transactions', () => {
  it('create-channel: a signed call with passing deny-mode post-conditions is mined by the block clock', async () => {
    await boot({ blockIntervalMs: 50 });
    const expectedId = await nextChannelId();
    const before = await snapshot();
    // no fee, no nonce: the library asks the server for both, and checks the args against the ABI
    const tx = await makeContractCall({
      contractAddress: deployer, contractName: 'bitstream', functionName: 'create-channel',
      functionArgs: [Cl.principal(bob), Cl.none(), Cl.uint(DEPOSIT), Cl.uint(6n), Cl.none()],
      senderKey: keyOf(alice), network, validateWithAbi: true,
      postConditions: [Pc.principal(alice).willSendEq(DEPOSIT).ustx()], postConditionMode: 'deny',
    });
    const fee = BigInt(tx.auth.spendingCondition.fee);
    expect(fee).toBeGreaterThan(0n);
    const txid = accepted(await broadcastTransaction({ transaction: tx, network }));
    expect(txid).toBe(tx.txid());

    const mined = await settled(txid);
    expect(mined.tx_status).toBe('success');
    expect(mined.tx_result!.hex).toBe(cvToHex(Cl.ok(expectedId)));
    expect(mined.events).toContainEqual(expect.objectContaining({
      event_type: 'stx_asset',
      asset: expect.objectContaining({ asset_event_type: 'transfer', sender: alice, recipient: CHANNEL_CONTRACT, amount: DEPOSIT.toString() }),
    }));
    expect(mined.events).toContainEqual(expect.objectContaining({ event_type: 'smart_contract_log', contract_log: expect.objectContaining({ contract_id: CHANNEL_CONTRACT }) }));

    expect(await stx(alice)).toBe(before.alice - DEPOSIT - fee);
    expect(await stx(CHANNEL_CONTRACT)).toBe(before.contract + DEPOSIT);
    expect(await fetchNonce({ address: alice, network })).toBe(1n);
    const channel = await readOnly('get-channel', [expectedId]);
    expect(channel.type).toBe('some');
  });

  it('a post-condition violation aborts the call: nothing moves but the fee, the nonce is used', async () => {
    const expectedId = await nextChannelId();
    const before = await snapshot();
    // alice says she sends at most DEPOSIT - 1; the contract takes DEPOSIT
    const tx = await createChannelCall({ postConditions: [Pc.principal(alice).willSendLte(DEPOSIT - 1n).ustx()] });
    const fee = BigInt(tx.auth.spendingCondition.fee);
    const txid = accepted(await broadcastTransaction({ transaction: tx, network }));
    await mine();

    const aborted = await txStatus(txid);
    expect(aborted.tx_status).toBe('abort_by_post_condition');
    expect(aborted.events).toEqual([]);
    expect(aborted.vm_error).toMatch(/Post-condition check failure on STX/);
    expect(await stx(alice)).toBe(before.alice - fee);
    expect(await stx(CHANNEL_CONTRACT)).toBe(before.contract);
    expect(cvToHex(await nextChannelId())).toBe(before.next); // no channel was counted
    expect(await fetchNonce({ address: alice, network })).toBe(1n);

    // the chain goes on from the undone state: the next channel gets the same id
    const ok = accepted(await broadcastTransaction({ transaction: await createChannelCall(), network }));
    await mine();
    const okTx = await txStatus(ok);
    expect(okTx.tx_status).toBe('success');
    expect(okTx.tx_result!.hex).toBe(cvToHex(Cl.ok(expectedId)));
  });

  it('deny mode without a post-condition for the moved STX aborts; allow mode lets it through', async () => {
    const denied = accepted(await broadcastTransaction({ transaction: await createChannelCall({ postConditions: [] }), network }));
    await mine();
    expect((await txStatus(denied)).tx_status).toBe('abort_by_post_condition');
    expect(await stx(CHANNEL_CONTRACT)).toBe(0n);

    const allowed = accepted(await broadcastTransaction({ transaction: await createChannelCall({ postConditions: [], mode: 'allow' }), network }));
    await mine();
    expect((await txStatus(allowed)).tx_status).toBe('success');
    expect(await stx(CHANNEL_CONTRACT)).toBe(DEPOSIT);
  });

  it('a call that returns err aborts by response: fee and nonce spent, state as before', async () => {
    const before = await snapshot();
    const tx = await createChannelCall({ window: 1n, postConditions: [] }); // below MIN-WINDOW
    const txid = accepted(await broadcastTransaction({ transaction: tx, network }));
    await mine();
    const aborted = await txStatus(txid);
    expect(aborted.tx_status).toBe('abort_by_response');
    expect(aborted.tx_result!.repr).toBe('(err u206)');
    expect(await stx(alice)).toBe(before.alice - BigInt(tx.auth.spendingCondition.fee));
    expect(await fetchNonce({ address: alice, network })).toBe(1n);

    // as on a node, post-conditions are judged even then: "sends exactly DEPOSIT" fails
    // against the nothing an err response moved
    const strict = await createChannelCall({ window: 1n });
    const strictId = accepted(await broadcastTransaction({ transaction: strict, network }));
    await mine();
    expect((await txStatus(strictId)).tx_status).toBe('abort_by_post_condition');
    expect(await stx(CHANNEL_CONTRACT)).toBe(before.contract);
  });

  it('an STX transfer moves the amount to the recipient and the fee out of the sender', async () => {
    const [a0, b0] = [await stx(alice), await stx(bob)];
    const tx = await makeSTXTokenTransfer({ recipient: bob, amount: 12_345n, senderKey: keyOf(alice), network, memo: 'rent' });
    const txid = accepted(await broadcastTransaction({ transaction: tx, network }));
    expect((await txStatus(txid)).tx_status).toBe('pending');
    await mine();
    const mined = await txStatus(txid);
    expect(mined.tx_status).toBe('success');
    expect(mined.events).toContainEqual(expect.objectContaining({
      event_type: 'stx_asset', asset: expect.objectContaining({ sender: alice, recipient: bob, amount: '12345' }),
    }));
    expect(await stx(alice)).toBe(a0 - 12_345n - BigInt(tx.auth.spendingCondition.fee));
    expect(await stx(bob)).toBe(b0 + 12_345n);
  });

  it('queues consecutive nonces before a block and mines them in order; a second tx on a waiting nonce is refused unless it pays more (replace-by-fee)', async () => {
    const first = await makeSTXTokenTransfer({ recipient: bob, amount: 1n, senderKey: keyOf(alice), network, nonce: 0n, fee: 1000n });
    const second = await makeSTXTokenTransfer({ recipient: carol, amount: 2n, senderKey: keyOf(alice), network, nonce: 1n, fee: 1000n });
    const clash = await makeSTXTokenTransfer({ recipient: carol, amount: 3n, senderKey: keyOf(alice), network, nonce: 1n, fee: 1000n });
    const higher = await makeSTXTokenTransfer({ recipient: carol, amount: 3n, senderKey: keyOf(alice), network, nonce: 1n, fee: 2000n });
    const ids = [accepted(await broadcastTransaction({ transaction: first, network })), accepted(await broadcastTransaction({ transaction: second, network }))];
    expect(await fetchNonce({ address: alice, network })).toBe(2n); // the API counts waiting transactions
    expectRefused(await broadcastTransaction({ transaction: clash, network }), 'ConflictingNonceInMempool');
    const replacement = accepted(await broadcastTransaction({ transaction: higher, network }));
    expect(await fetchNonce({ address: alice, network })).toBe(2n);
    const { mined } = await mine();
    expect(mined.map((m) => m.tx_id)).toEqual([`0x${ids[0]}`, `0x${replacement}`]);
    expect(mined.every((m) => m.tx_status === 'success')).toBe(true);
    expect((await txStatus(ids[1]!)).tx_status).toBe('dropped_replace_by_fee');
  });

  it('POST /dev/drop makes the next call of a function vanish unmined, as a node that evicted it', async () => {
    const r = await fetch(url('/dev/drop'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ functionName: 'faucet' }) });
    expect(r.status).toBe(200);
    const faucet = (fee: bigint) => makeContractCall({
      contractAddress: deployer, contractName: 'sbtc-token', functionName: 'faucet', functionArgs: [Cl.uint(5), Cl.principal(alice)],
      senderKey: keyOf(alice), network, postConditionMode: 'deny', fee,
    });
    const dropped = accepted(await broadcastTransaction({ transaction: await faucet(1000n), network }));
    await mine();
    expect((await txStatus(dropped)).tx_status).toBe('dropped_stale_garbage_collect');
    // the nonce is free again: the same call is taken and mined
    const id = accepted(await broadcastTransaction({ transaction: await faucet(1001n), network }));
    await mine();
    expect((await txStatus(id)).tx_status).toBe('success');
    const bad = await fetch(url('/dev/drop'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ functionName: 'x y' }) });
    expect(bad.status).toBe(400);
  });

  it('POST /dev/hold keeps the next call of a function waiting, and what its origin sends after it, until it is replaced by fee', async () => {
    const r = await fetch(url('/dev/hold'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ functionName: 'faucet' }) });
    expect(r.status).toBe(200);
    const faucet = (fee: bigint, nonce: bigint) => makeContractCall({
      contractAddress: deployer, contractName: 'sbtc-token', functionName: 'faucet', functionArgs: [Cl.uint(5), Cl.principal(alice)],
      senderKey: keyOf(alice), network, postConditionMode: 'deny', fee, nonce,
    });
    const stuck = accepted(await broadcastTransaction({ transaction: await faucet(1000n, 0n), network }));
    const behind = accepted(await broadcastTransaction({ transaction: await makeSTXTokenTransfer({ recipient: bob, amount: 1n, senderKey: keyOf(alice), network, nonce: 1n, fee: 1000n }), network }));
    const other = accepted(await broadcastTransaction({ transaction: await makeSTXTokenTransfer({ recipient: carol, amount: 1n, senderKey: keyOf(bob), network, nonce: 0n, fee: 1000n }), network }));
    await mine();
    await mine();
    expect((await txStatus(stuck)).tx_status).toBe('pending');
    expect((await txStatus(behind)).tx_status).toBe('pending');
    expect((await txStatus(other)).tx_status).toBe('success'); // other origins are not held up
    // the same nonce at a higher fee replaces it; both are then mined in order
    const bumped = accepted(await broadcastTransaction({ transaction: await faucet(1500n, 0n), network }));
    await mine();
    expect((await txStatus(stuck)).tx_status).toBe('dropped_replace_by_fee');
    expect((await txStatus(bumped)).tx_status).toBe('success');
    expect((await txStatus(behind)).tx_status).toBe('success');
    const bad = await fetch(url('/dev/hold'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ functionName: 'no such fn!' }) });
    expect(bad.status).toBe(400);
  });

  it('deploys a contract, and undoes a deploy whose top level moves STX that deny mode does not allow', async () => {
    const source = '(define-read-only (answer) u42)';
    const deploy = await makeContractDeploy({ contractName: 'answer', codeBody: source, senderKey: keyOf(bob), network, clarityVersion: 4 });
    const txid = accepted(await broadcastTransaction({ transaction: deploy, network }));
    await mine();
    expect((await txStatus(txid)).tx_status).toBe('success');
    const answer = await fetchCallReadOnlyFunction({ contractAddress: bob, contractName: 'answer', functionName: 'answer', functionArgs: [], senderAddress: bob, network });
    expect(answer).toEqual(Cl.uint(42n));

    const greedy = await makeContractDeploy({
      contractName: 'greedy', codeBody: `(stx-transfer? u10 tx-sender '${carol})`, senderKey: keyOf(bob), network, postConditionMode: 'deny',
    });
    const carol0 = await stx(carol);
    const greedyId = accepted(await broadcastTransaction({ transaction: greedy, network }));
    await mine();
    expect((await txStatus(greedyId)).tx_status).toBe('abort_by_post_condition');
    expect((await getJson(`/v2/contracts/interface/${bob}/greedy`)).status).toBe(404);
    expect(await stx(carol)).toBe(carol0);
    // the earlier deploy survived the undo
    expect((await getJson(`/v2/contracts/interface/${bob}/answer`)).status).toBe(200);
  });

  it('advances burn blocks on its own clock', async () => {
    await boot({ burnBlockIntervalMs: 20 });
    const { body: start } = await getJson<{ burn_block_height: number }>('/v2/info');
    let height = start.burn_block_height;
    for (let i = 0; i < 500 && height < start.burn_block_height + 3; i++) {
      await new Promise((r) => setTimeout(r, 20));
      height = (await getJson<{ burn_block_height: number }>('/v2/info')).body.burn_block_height;
    }
    expect(height).toBeGreaterThanOrEqual(start.burn_block_height + 3);
  });
});

describe('local chain: refusals in the node error shape, with no state change', () => {
  async function expectUnchanged(before: Awaited<ReturnType<typeof snapshot>>) {
    expect((await mine()).mined).toEqual([]); // nothing was queued
    expect(await snapshot()).toEqual(before);
  }

  it('refuses a wrong nonce (BadNonce with expected and actual)', async () => {
    const before = await snapshot();
    const r = await broadcastTransaction({ transaction: await createChannelCall({ nonce: 5n }), network });
    expectRefused(r, 'BadNonce');
    expect(r).toMatchObject({ reason_data: { expected: 0, actual: 5, principal: alice, is_origin: true } });
    await expectUnchanged(before);
  });

  it('refuses a tampered signature and a fee changed after signing (SignatureValidation)', async () => {
    const before = await snapshot();
    const tx = await createChannelCall({ nonce: 0n, fee: 5000n });
    const bytes = Buffer.from(tx.serialize(), 'hex');
    // standard single-sig auth: version 1, chain id 4, auth type 1, hash mode 1, signer 20,
    // nonce 8, fee 8, key encoding 1, then the 65-byte signature at offset 44
    const tamperedSig = Buffer.from(bytes);
    tamperedSig[50] = tamperedSig[50]! ^ 0x01;
    expectRefused(await broadcastTransaction({ transaction: deserializeTransaction(tamperedSig.toString('hex')), network }), 'SignatureValidation');

    const tamperedFee = Buffer.from(bytes);
    tamperedFee[42] = tamperedFee[42]! ^ 0x01; // last byte of the fee: the sighash covers it
    expectRefused(await broadcastTransaction({ transaction: deserializeTransaction(tamperedFee.toString('hex')), network }), 'SignatureValidation');
    await expectUnchanged(before);
  });

  it('refuses transactions for another chain: a mainnet transaction, and a testnet one signed for mainnet\'s chain id', async () => {
    const before = await snapshot();
    const mainnet = createNetwork({ network: 'mainnet', client: { baseUrl: running!.url } });
    const mainnetTx = await makeSTXTokenTransfer({ recipient: 'SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7', amount: 10n, senderKey: keyOf(alice), network: mainnet, nonce: 0n, fee: 1000n });
    expectRefused(await broadcastTransaction({ transaction: mainnetTx, network }), 'BadTransactionVersion');

    const wrongChain: StacksNetwork = { ...network, chainId: ChainId.Mainnet };
    const wrongChainTx = await makeSTXTokenTransfer({ recipient: bob, amount: 10n, senderKey: keyOf(alice), network: wrongChain, nonce: 0n, fee: 1000n });
    expect(wrongChainTx.chainId).toBe(ChainId.Mainnet);
    expectRefused(await broadcastTransaction({ transaction: wrongChainTx, network }), 'SignatureValidation');
    await expectUnchanged(before);
  });

  it('refuses malformed bodies: garbage bytes, bad JSON, a non-hex tx, trailing bytes', async () => {
    const before = await snapshot();
    const valid: StacksTransactionWire = await createChannelCall({ nonce: 0n, fee: 5000n });
    const post = (body: string | Uint8Array, type: string) => fetch(url('/v2/transactions'), { method: 'POST', headers: { 'content-type': type }, body });
    const bodies: [string | Uint8Array, string][] = [
      [new Uint8Array([0xde, 0xad, 0xbe, 0xef]), 'application/octet-stream'],
      ['{"tx": ', 'application/json'],
      ['{"tx": "zz"}', 'application/json'],
      [Buffer.concat([Buffer.from(valid.serialize(), 'hex'), Buffer.from([0])]), 'application/octet-stream'],
    ];
    for (const [body, type] of bodies) {
      const res = await post(body, type);
      expect(res.status).toBe(400);
      const refused = (await res.json()) as TxBroadcastResult;
      expectRefused(refused, 'Deserialization');
    }
    await expectUnchanged(before);
  });

  it('refuses a fee below 1 µSTX per byte and a spend above the balance', async () => {
    const before = await snapshot();
    expectRefused(await broadcastTransaction({ transaction: await createChannelCall({ nonce: 0n, fee: 10n }), network }), 'FeeTooLow');
    const broke = await makeSTXTokenTransfer({ recipient: bob, amount: before.alice, senderKey: keyOf(alice), network, nonce: 0n, fee: 1000n });
    expectRefused(await broadcastTransaction({ transaction: broke, network }), 'NotEnoughFunds');
    await expectUnchanged(before);
  });

  it('accepts the octet-stream form the node takes natively and answers the txid as a JSON string', async () => {
    const tx = await createChannelCall({ nonce: 0n, fee: 5000n });
    const res = await fetch(url('/v2/transactions'), { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from(tx.serialize(), 'hex') });
    expect(res.status).toBe(200);
    expect(await res.json()).toBe(tx.txid());
  });
});
