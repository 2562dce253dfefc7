// The local chain's history endpoints as a stock client reads them: the official
// @stacks/blockchain-api-client (typed from the Hiro API's OpenAPI document) asks for a
// contract's events, an address's transactions and balances (with the totals sent and
// received), the mempool and burn blocks; /v2/map_entry answers `none` for a key the map
// does not hold, as a node does, and 404 only for a map that does not exist.
import { createClient } from '@stacks/blockchain-api-client';
import { createNetwork } from '@stacks/network';
import { Cl, broadcastTransaction, cvToHex, makeContractCall, makeSTXTokenTransfer, Pc } from '@stacks/transactions';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalChain, type RunningChain } from '../../client/src/localchain/index.js';
import { alice, bob, deployer, keys, toHex } from '../contracts/helpers.js';

const keyOf = (who: string) => `${toHex(keys[who]!)}01`;
let running: RunningChain | null = null;
afterEach(async () => {
  await running?.stop();
  running = null;
});

describe('local chain history, read with @stacks/blockchain-api-client', () => {
  it('serves contract events, address transactions and totals, the mempool, burn blocks and map entries', async () => {
    running = await startLocalChain({ simnet, port: 0, blockIntervalMs: 0, burnBlockIntervalMs: 0 });
    const baseUrl = running.url;
    const network = createNetwork({ network: 'devnet', client: { baseUrl } });
    const api = createClient({ baseUrl });
    const mine = () => fetch(`${baseUrl}/dev/mine`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });

    const transfer = await makeSTXTokenTransfer({ recipient: bob, amount: 1234n, senderKey: keyOf(alice), network, nonce: 0n, fee: 1000n });
    const open = await makeContractCall({
      contractAddress: deployer, contractName: 'bitstream', functionName: 'create-channel',
      functionArgs: [Cl.principal(bob), Cl.none(), Cl.uint(5000n), Cl.uint(6n), Cl.none()],
      senderKey: keyOf(alice), network, nonce: 1n, fee: 5000n, postConditionMode: 'deny', postConditions: [Pc.principal(alice).willSendEq(5000n).ustx()],
    });
    const transferId = (await broadcastTransaction({ transaction: transfer, network })) as { txid: string };
    const openId = (await broadcastTransaction({ transaction: open, network })) as { txid: string };
    await mine();

    const events = await api.GET('/extended/v1/contract/{contract_id}/events', { params: { path: { contract_id: `${deployer}.bitstream` }, query: { limit: 10 } } });
    expect(events.response.status).toBe(200);
    const logs = events.data!.results.filter((e) => e.event_type === 'smart_contract_log');
    expect(logs.length).toBeGreaterThan(0);
    const first = logs[0]!;
    expect(first.tx_id).toBe(`0x${openId.txid}`);
    expect(first.event_type === 'smart_contract_log' && first.contract_log.contract_id).toBe(`${deployer}.bitstream`);

    const txs = await api.GET('/extended/v1/address/{principal}/transactions', { params: { path: { principal: alice } } });
    expect(txs.data!.total).toBe(2);
    expect(txs.data!.results.map((t) => t.tx_id)).toEqual([`0x${openId.txid}`, `0x${transferId.txid}`]); // newest first
    const bobTxs = await api.GET('/extended/v1/address/{principal}/transactions', { params: { path: { principal: bob } } });
    // create-channel names Bob but moves nothing of his: only the transfer concerns him
    expect(bobTxs.data!.results.map((t) => t.tx_id)).toEqual([`0x${transferId.txid}`]);

    const balances = await api.GET('/extended/v1/address/{principal}/balances', { params: { path: { principal: alice } } });
    expect(balances.data!.stx.total_sent).toBe('6234'); // the transfer and the deposit
    expect(balances.data!.stx.total_fees_sent).toBe('6000');
    const bobStx = await api.GET('/extended/v1/address/{principal}/stx', { params: { path: { principal: bob } } });
    expect(bobStx.data!.total_received).toBe('1234');

    // a transaction not mined yet is in the mempool, by sender too
    const waiting = await makeSTXTokenTransfer({ recipient: bob, amount: 1n, senderKey: keyOf(alice), network, nonce: 2n, fee: 1000n });
    const waitingId = (await broadcastTransaction({ transaction: waiting, network })) as { txid: string };
    const pool = await api.GET('/extended/v1/tx/mempool', { params: { query: { sender_address: alice } } });
    expect(pool.data!.results.map((t) => t.tx_id)).toEqual([`0x${waitingId.txid}`]);
    const mine2 = await api.GET('/extended/v1/address/{principal}/mempool', { params: { path: { principal: alice } } });
    expect(mine2.data!.total).toBe(1);
    await mine();
    expect((await api.GET('/extended/v1/tx/mempool', {})).data!.total).toBe(0);

    const burns = await api.GET('/extended/v2/burn-blocks/', { params: { query: { limit: 5 } } });
    const info = (await (await fetch(`${baseUrl}/v2/info`)).json()) as { burn_block_height: number };
    expect(burns.data!.results[0]!.burn_block_height).toBe(info.burn_block_height);
    const withTxs = burns.data!.results.find((b) => b.total_tx_count > 0)!;
    expect(withTxs.stacks_blocks.length).toBeGreaterThan(0);
    const one = await api.GET('/extended/v2/burn-blocks/{height_or_hash}', { params: { path: { height_or_hash: withTxs.burn_block_height } } });
    expect(one.data!.burn_block_hash).toBe(withTxs.burn_block_hash);

    // Stacks blocks: the tip first; the block that carried a transaction, by height and by hash
    const tip = (await (await fetch(`${baseUrl}/v2/info`)).json()) as { stacks_tip_height: number };
    const blocks = await api.GET('/extended/v2/blocks/', { params: { query: { limit: 5 } } });
    expect(blocks.data!.results[0]!.height).toBe(tip.stacks_tip_height);
    expect(blocks.data!.total).toBe(tip.stacks_tip_height + 1);
    const tx = (await api.GET('/extended/v1/tx/{tx_id}', { params: { path: { tx_id: `0x${waitingId.txid}` } } })).data as { block_height: number; block_hash: string; burn_block_height: number };
    const carrier = await api.GET('/extended/v2/blocks/{height_or_hash}', { params: { path: { height_or_hash: tx.block_height } } });
    expect(carrier.data!.hash).toBe(tx.block_hash);
    expect(carrier.data!.burn_block_height).toBe(tx.burn_block_height);
    expect(carrier.data!.tx_count).toBe(1);
    expect((carrier.data as unknown as { txs: string[] }).txs).toEqual([`0x${waitingId.txid}`]);
    const byHash = await api.GET('/extended/v2/blocks/{height_or_hash}', { params: { path: { height_or_hash: tx.block_hash } } });
    expect(byHash.data!.height).toBe(tx.block_height);
    expect((await fetch(`${baseUrl}/extended/v2/blocks/${tip.stacks_tip_height + 100}`)).status).toBe(404);
    // heights only go up, and burn heights never down
    const page2 = blocks.data!.results;
    for (let i = 1; i < page2.length; i++) {
      expect(page2[i]!.height).toBe(page2[i - 1]!.height - 1);
      expect(page2[i]!.burn_block_height).toBeLessThanOrEqual(page2[i - 1]!.burn_block_height);
    }

    // /v2/map_entry: a missing key is `none` (0x09), a missing map is 404
    const entry = (map: string, key: string) => fetch(`${baseUrl}/v2/map_entry/${deployer}/bitstream/${map}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(key) });
    const missing = await entry('channels', cvToHex(Cl.buffer(new Uint8Array(32))));
    expect(missing.status).toBe(200);
    expect(((await missing.json()) as { data: string }).data).toBe('0x09');
    expect((await entry('no-such-map', cvToHex(Cl.uint(1)))).status).toBe(404);
    const bad = await fetch(`${baseUrl}/extended/v1/address/${alice}/transactions?limit=x`);
    expect(bad.status).toBe(400);
  });
});
