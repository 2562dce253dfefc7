// openWithHub's refusals against a stand-in hub session and wallet: terms the hub
// refuses never reach the wallet; a create-channel that is not mined as a success opens
// nothing and tells the hub nothing; a mined channel the hub will not take is reported
// with its id (the deposit is on-chain, the account's to close). The whole path against
// a hub node process is tests/e2e/page-link.test.ts, and in Chromium the dApp's (tests/browser/app.test.ts).
import { Cl } from '@stacks/transactions';
import { describe, expect, it } from 'vitest';
import type { ContractCall } from '../../client/src/chain/call.js';
import { CHAIN_ID_TESTNET } from '../../client/src/config/networks.js';
import { openWithHub, type OpenTx } from '../../client/src/hubclient/open.js';
import type { PeerSession } from '../../client/src/peer/session.js';
import { LocalKeySigner } from '../../client/src/signers/local.js';
import { MemoryStore } from '../../client/src/store/memory.js';
import { KEY_A, PRINCIPAL_A, PRINCIPAL_B } from './fixtures/peers.js';

const CONTRACT = 'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM.bitstream';
const ID = 'cd'.repeat(32);

function attempt(o: { refuse?: 'open-offer' | 'open-created'; tx?: OpenTx; sent?: string }) {
  const requests: string[] = [];
  const calls: ContractCall[] = [];
  const session = {
    principal: PRINCIPAL_B, publicKey: new Uint8Array(33),
    transport: () => ({ send: () => undefined, onMessage: () => () => undefined }),
    request: async (kind: string) => {
      requests.push(kind);
      if (kind === o.refuse) throw Object.assign(new Error(`${PRINCIPAL_B} refused: NODE_OPEN_MISMATCH: no`), { code: 'PEER_REFUSED' });
      return { accept: true };
    },
  } as unknown as PeerSession;
  const opened = openWithHub({
    session, account: PRINCIPAL_A, contract: CONTRACT, chainId: CHAIN_ID_TESTNET, signer: new LocalKeySigner(KEY_A),
    token: null, amount: 1_000n, window: 6n, store: new MemoryStore(),
    callContract: async (call) => (calls.push(call), '0x' + 'ab'.repeat(32)),
    mined: async () => o.tx ?? { status: 'success', result: Cl.ok(Cl.bufferFromHex(ID)), burnHeight: 7n },
    heights: async () => ({ burn: 7n, tenure: 7n }),
    ...(o.sent === undefined ? {} : { sent: o.sent }),
  });
  return { opened, requests, calls };
}

describe('opening with a hub through a wallet', () => {
  it('terms the hub refuses: HUB_OPEN_REFUSED, the wallet never asked', async () => {
    const a = attempt({ refuse: 'open-offer' });
    await expect(a.opened).rejects.toMatchObject({ code: 'HUB_OPEN_REFUSED', details: { offer: { amount: '1000', window: '6', token: null } } });
    expect(a.calls).toEqual([]);
  });

  it('a create-channel that failed on-chain: HUB_OPEN_FAILED, the hub told nothing', async () => {
    for (const tx of [
      { status: 'abort_by_post_condition', result: null, burnHeight: 7n },
      { status: 'abort_by_response', result: Cl.error(Cl.uint(206)), burnHeight: 7n },
      { status: 'success', result: Cl.ok(Cl.bufferFromHex(ID)), burnHeight: null },
    ] as OpenTx[]) {
      const a = attempt({ tx });
      await expect(a.opened).rejects.toMatchObject({ code: 'HUB_OPEN_FAILED', details: { status: tx.status } });
      expect(a.requests).toEqual(['open-offer']);
      // what the wallet was asked to send: deny mode, the session key as signer
      expect(a.calls[0]).toMatchObject({ functionName: 'create-channel', postConditionMode: 'deny' });
      expect(a.calls[0]!.functionArgs[4]).toEqual(Cl.some(Cl.buffer(new LocalKeySigner(KEY_A).publicKey)));
    }
  });

  it('a mined channel the hub will not take: HUB_OPEN_REFUSED with the channel id', async () => {
    const a = attempt({ refuse: 'open-created' });
    await expect(a.opened).rejects.toMatchObject({ code: 'HUB_OPEN_REFUSED', details: { channelId: ID }, message: expect.stringContaining(`did not take channel ${ID}`) as string });
    expect(a.requests).toEqual(['open-offer', 'open-created']);
  });

  it('a create-channel already sent (a reload mid-open): the offer again, the wallet not asked, the channel from that transaction', async () => {
    const a = attempt({ sent: 'ef'.repeat(32) });
    const { channel, channelId, txid } = await a.opened;
    expect([channelId, txid]).toEqual([ID, 'ef'.repeat(32)]);
    expect(a.calls).toEqual([]);
    expect(a.requests).toEqual(['open-offer', 'open-created']);
    expect(channel.balances).toEqual({ own: 1_000n, other: 0n });
    channel.close();
  });
});
