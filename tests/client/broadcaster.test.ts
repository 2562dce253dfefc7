// The broadcaster's refusals that need no chain: replacing a transaction it never sent,
// and a replacement whose raised fee would pass the configured cap (nothing is signed or
// broadcast in either case); and a transaction that stays unmined past the caller's
// deadline, which is NODE_CHAIN_TIMEOUT after the caller was told it waits.
import { createNetwork } from '@stacks/network';
import { describe, expect, it } from 'vitest';
import { StacksApi } from '../../client/src/chainclient/api.js';
import { Broadcaster } from '../../client/src/chainclient/broadcaster.js';
import { NodeCode } from '../../client/src/node/errors.js';

const url = 'http://127.0.0.1:9'; // nothing listens: any request would fail the test
const api = new StacksApi(url, createNetwork({ network: 'devnet', client: { baseUrl: url } }), 100);

describe('Broadcaster.bump', () => {
  it('refuses to replace a transaction it did not send', async () => {
    const b = new Broadcaster({ api, address: 'ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5', senderKey: `${'11'.repeat(32)}01`, maxFee: 10_000n, pollMs: 10 });
    await expect(b.bump('ab'.repeat(32))).rejects.toMatchObject({ code: NodeCode.Chain, message: expect.stringMatching(/no submission/) });
  });

  it('refuses a replacement over the fee cap', async () => {
    const b = new Broadcaster({ api, address: 'ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5', senderKey: `${'11'.repeat(32)}01`, maxFee: 10_000n, pollMs: 10 });
    const call = { contractAddress: 'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM', contractName: 'bitstream', functionName: 'challenge', functionArgs: [], postConditionMode: 'deny' as const, postConditions: [] };
    b.sent.set('cd'.repeat(32), { txid: 'cd'.repeat(32), nonce: 3n, fee: 8_000n, call, at: 0 });
    await expect(b.bump('cd'.repeat(32))).rejects.toMatchObject({ code: NodeCode.Chain, message: expect.stringMatching(/12000 µSTX, over the 10000 cap/) });
  });
});

describe('Broadcaster.mined', () => {
  it('is NODE_CHAIN_TIMEOUT when the transaction stays pending past the deadline, reporting each wait', async () => {
    const pending = { txid: 'ef'.repeat(32), status: 'pending', functionName: 'challenge', fee: 1n, burnHeight: null, result: null, events: [] };
    const stuck = { tx: async () => pending, heights: async () => ({ stacks: 1n, burn: 1n, tenure: 1n }) } as unknown as StacksApi;
    const b = new Broadcaster({ api: stuck, address: 'ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5', senderKey: `${'11'.repeat(32)}01`, maxFee: 10_000n, pollMs: 5 });
    const waits: unknown[] = [];
    await expect(b.mined(pending.txid, { timeoutMs: 40, onWait: (t) => waits.push(t) })).rejects.toMatchObject({ code: NodeCode.ChainTimeout, details: { txid: pending.txid } });
    expect(waits.length).toBeGreaterThan(1);
    expect(waits.every((t) => t === pending)).toBe(true);
  });
});

describe('Broadcaster.replace', () => {
  it('sends a new call at an earlier run\'s nonce with the fee raised by half, and refuses over the cap', async () => {
    const broadcast: { nonce: bigint; fee: bigint }[] = [];
    const chain = {
      network: api.network,
      broadcast: async (tx: { auth: { spendingCondition: { nonce: bigint; fee: bigint } }; txid(): string }) => {
        broadcast.push({ nonce: BigInt(tx.auth.spendingCondition.nonce), fee: BigInt(tx.auth.spendingCondition.fee) });
        return tx.txid();
      },
    } as unknown as StacksApi;
    const b = new Broadcaster({ api: chain, address: 'ST1SJ3DTE5DN7X54YDH5D64R3BCB6A2AG2ZQ8YPD5', senderKey: `${'11'.repeat(32)}01`, maxFee: 10_000n, pollMs: 10 });
    const call = { contractAddress: 'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM', contractName: 'bitstream', functionName: 'challenge', functionArgs: [], postConditionMode: 'deny' as const, postConditions: [] };
    const sub = await b.replace({ txid: 'ab'.repeat(32), nonce: 7n, fee: 1_000n }, call);
    expect(broadcast).toEqual([{ nonce: 7n, fee: 1_500n }]);
    expect(sub).toMatchObject({ nonce: 7n, fee: 1_500n });
    expect(b.sent.get(sub.txid)?.call).toBe(call); // this run can bump it from now on
    await expect(b.replace({ txid: 'cd'.repeat(32), nonce: 8n, fee: 8_000n }, call)).rejects.toMatchObject({ code: NodeCode.Chain, message: expect.stringMatching(/over the 10000 cap/) });
    expect(broadcast).toHaveLength(1);
  });
});
