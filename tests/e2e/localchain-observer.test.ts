// The local chain as a stacks-node with `[[events_observer]]`: an observer (a plain
// HTTP server here, as a service that runs its own node has) gets POST /new_block for
// every Stacks block and /new_burn_block for every burn block, in order, with each
// transaction's raw bytes and result and its events in the stacks-node's shapes (a
// contract's print as `contract_event` with its raw Clarity value). An observer that
// refuses for a while gets everything once it accepts: no block lost, none twice.
import { createServer, type Server } from 'node:http';
import { createNetwork } from '@stacks/network';
import { Cl, broadcastTransaction, deserializeCV, makeContractCall, makeSTXTokenTransfer, Pc } from '@stacks/transactions';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalChain, type RunningChain } from '../../client/src/localchain/index.js';
import { alice, bob, deployer, keys, toHex } from '../contracts/helpers.js';

const keyOf = (who: string) => `${toHex(keys[who]!)}01`;
interface Push { path: string; body: Record<string, unknown> }
let running: RunningChain | null = null;
let server: Server | null = null;

afterEach(async () => {
  await running?.stop();
  running = null;
  await new Promise<void>((r) => (server === null ? r() : server.close(() => r())));
  server = null;
});

/** An observer that records what it accepts; it refuses (500) the first `refuse` POSTs. */
async function observer(refuse = 0): Promise<{ url: string; got: Push[]; refused: () => number }> {
  const got: Push[] = [];
  let refused = 0;
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      if (refused < refuse) {
        refused++;
        res.writeHead(500).end();
        return;
      }
      got.push({ path: req.url ?? '', body: JSON.parse(text) as Record<string, unknown> });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(server!.address() as { port: number }).port}`, got, refused: () => refused };
}

const heights = (got: Push[], path: string, key: string) => got.filter((p) => p.path === path).map((p) => p.body[key] as number);
const contiguous = (xs: number[]) => xs.every((x, i) => i === 0 || x === xs[i - 1]! + 1);

describe('local chain event observer push', () => {
  it('POSTs every block in order with its transactions and events, as a stacks-node does', async () => {
    const obs = await observer();
    running = await startLocalChain({ simnet, port: 0, blockIntervalMs: 0, burnBlockIntervalMs: 0, observers: [obs.url] });
    const baseUrl = running.url;
    const start = (await (await fetch(`${baseUrl}/v2/info`)).json()) as { burn_block_height: number };
    const network = createNetwork({ network: 'devnet', client: { baseUrl } });
    const transfer = await makeSTXTokenTransfer({ recipient: bob, amount: 1234n, senderKey: keyOf(alice), network, nonce: 0n, fee: 1000n });
    const open = await makeContractCall({
      contractAddress: deployer, contractName: 'bitstream', functionName: 'create-channel',
      functionArgs: [Cl.principal(bob), Cl.none(), Cl.uint(5000n), Cl.uint(6n), Cl.none()],
      senderKey: keyOf(alice), network, nonce: 1n, fee: 5000n, postConditionMode: 'deny', postConditions: [Pc.principal(alice).willSendEq(5000n).ustx()],
    });
    const transferId = ((await broadcastTransaction({ transaction: transfer, network })) as { txid: string }).txid;
    const openId = ((await broadcastTransaction({ transaction: open, network })) as { txid: string }).txid;
    await fetch(`${baseUrl}/dev/mine`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ burnBlocks: 2 }) });
    const info = (await (await fetch(`${baseUrl}/v2/info`)).json()) as { stacks_tip_height: number; burn_block_height: number };
    await expect.poll(() => heights(obs.got, '/new_block', 'block_height').at(-1), { timeout: 5_000 }).toBe(info.stacks_tip_height);
    await expect.poll(() => heights(obs.got, '/new_burn_block', 'burn_block_height').at(-1), { timeout: 5_000 }).toBe(info.burn_block_height);

    const blocks = heights(obs.got, '/new_block', 'block_height');
    expect(contiguous(blocks)).toBe(true);
    expect(contiguous(heights(obs.got, '/new_burn_block', 'burn_block_height'))).toBe(true);
    // a Stacks block comes after the burn block it is anchored to
    let burnSeen = start.burn_block_height;
    for (const p of obs.got) {
      if (p.path === '/new_burn_block') burnSeen = p.body['burn_block_height'] as number;
      else expect(p.body['burn_block_height'] as number).toBeLessThanOrEqual(burnSeen);
    }

    type Tx = { txid: string; status: string; raw_tx: string; raw_result: string; tx_index: number };
    type Ev = { txid: string; type: string; committed: boolean; [k: string]: unknown };
    const carrying = (txid: string) => obs.got.find((p) => p.path === '/new_block' && (p.body['transactions'] as Tx[]).some((t) => t.txid === `0x${txid}`))!.body;
    const tb = carrying(transferId);
    const ttx = (tb['transactions'] as Tx[])[0]!;
    expect(ttx).toMatchObject({ status: 'success', raw_result: '0x0703', tx_index: 0 });
    expect(ttx.raw_tx).toBe(`0x${transfer.serialize().replace(/^0x/, '')}`);
    expect((tb['events'] as Ev[]).find((e) => e.type === 'stx_transfer_event')).toMatchObject({
      txid: `0x${transferId}`, committed: true, stx_transfer_event: { sender: alice, recipient: bob, amount: '1234' },
    });
    // the channel contract's print: the raw Clarity value of its event tuple
    const ob = carrying(openId);
    const print = (ob['events'] as Ev[]).find((e) => e.type === 'contract_event')! as Ev & { contract_event: { contract_identifier: string; topic: string; raw_value: string } };
    expect(print.contract_event.contract_identifier).toBe(`${deployer}.bitstream`);
    expect(print.contract_event.topic).toBe('print');
    const value = deserializeCV(print.contract_event.raw_value);
    expect(value.type).toBe('tuple');
    expect((value as { value: Record<string, { value: string }> }).value['event']!.value).toBe('create-channel');
    expect(ob['block_height']).toBe(tb['block_height'] as number + 1); // one block each, in order
  });

  it('keeps delivering, in order, to an observer that refused for a while: nothing lost, nothing twice', async () => {
    const obs = await observer(3);
    running = await startLocalChain({ simnet, port: 0, blockIntervalMs: 0, burnBlockIntervalMs: 0, observers: [obs.url] });
    await fetch(`${running.url}/dev/mine`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ burnBlocks: 5 }) });
    const info = (await (await fetch(`${running.url}/v2/info`)).json()) as { stacks_tip_height: number; burn_block_height: number };
    await expect.poll(() => heights(obs.got, '/new_burn_block', 'burn_block_height').at(-1), { timeout: 10_000 }).toBe(info.burn_block_height);
    await expect.poll(() => heights(obs.got, '/new_block', 'block_height').at(-1), { timeout: 10_000 }).toBe(info.stacks_tip_height);
    expect(obs.refused()).toBe(3);
    const burns = heights(obs.got, '/new_burn_block', 'burn_block_height');
    expect(burns.length).toBe(5);
    expect(contiguous(burns)).toBe(true);
    expect(contiguous(heights(obs.got, '/new_block', 'block_height'))).toBe(true);
  });
});
