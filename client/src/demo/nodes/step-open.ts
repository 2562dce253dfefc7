// Step 1 between nodes: Alice's node dials Bob's (the handshake proves each one's Stacks
// key), opens an STX and an sBTC channel with it (negotiated over the wire, created
// on-chain by Alice's node, checked on-chain by Bob's before it accepts), and Bob funds
// his side of each with a co-signed deposit state and `fund-channel`. Both nodes must
// then hold both channels at the deposits, as the plan says.
import { expectEqual } from '../errors.js';
import { fmtSbtc, fmtStx } from '../format.js';
import { must, type NodeWorld } from './cast.js';
import type { ChannelView } from './views.js';

const STEP = 'open';

export interface NodeChannels {
  readonly stx: string;
  readonly sbtc: string;
}

export async function openChannels(w: NodeWorld): Promise<NodeChannels> {
  const { plan: p, say } = w;
  const alice = w.cast.node('alice');
  const bob = w.cast.node('bob');
  await must(STEP, "Alice's node connects to Bob's", alice.api('POST', '/v1/peers', { url: bob.peerUrl, principal: bob.principal }));
  say.line(`Alice's node dialled Bob's at ${bob.peerUrl}; each proved its Stacks key in the handshake`);

  const stx = await must(STEP, 'open the STX channel', alice.api<ChannelView>('POST', '/v1/channels', { peer: bob.principal, amount: String(p.aliceStx) }));
  say.line(`STX channel ${stx.id.slice(0, 16)}… created on-chain by Alice's node, checked on-chain by Bob's (${fmtStx(p.aliceStx)} STX)`);
  const sbtc = await must(STEP, 'open the sBTC channel', alice.api<ChannelView>('POST', '/v1/channels', { peer: bob.principal, amount: String(p.aliceSbtc), token: 'sbtc' }));
  say.line(`sBTC channel ${sbtc.id.slice(0, 16)}… (${fmtSbtc(p.aliceSbtc)} sBTC)`);

  await must(STEP, "Bob's STX deposit", bob.api('POST', `/v1/channels/${stx.id}/deposit`, { amount: String(p.bobStx) }));
  await must(STEP, "Bob's sBTC deposit", bob.api('POST', `/v1/channels/${sbtc.id}/deposit`, { amount: String(p.bobSbtc) }));
  say.line(`Bob's node funded his side of each: ${fmtStx(p.bobStx)} STX and ${fmtSbtc(p.bobSbtc)} sBTC (co-signed deposit states, then fund-channel)`);

  for (const [id, a, b] of [[stx.id, p.aliceStx, p.bobStx], [sbtc.id, p.aliceSbtc, p.bobSbtc]] as const) {
    const av = await must(STEP, 'read the channel', alice.api<ChannelView>('GET', `/v1/channels/${id}`));
    const bv = await must(STEP, 'read the channel', bob.api<ChannelView>('GET', `/v1/channels/${id}`));
    expectEqual(STEP, `Alice's balance in ${id.slice(0, 8)}`, av.balance, a.toString());
    expectEqual(STEP, `Bob's view of Alice's balance in ${id.slice(0, 8)}`, bv.peerBalance, a.toString());
    expectEqual(STEP, `Bob's balance in ${id.slice(0, 8)}`, bv.balance, b.toString());
    expectEqual(STEP, `the nodes' nonce in ${id.slice(0, 8)}`, bv.nonce, av.nonce);
  }
  return { stx: stx.id, sbtc: sbtc.id };
}
