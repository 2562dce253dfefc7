// The replaying load generator of node-ws.ts (w2r): 100 peers dial the hub over ws with
// the real handshake, as node-ws.ts (w2) does, but pay from states signed before the
// window (presigned.ts), exactly as hub-capacity.ts (b2) drives its shards over pipes:
// a proposal, the last signature as soon as the hub's first one arrives, then at once
// the next proposal. A payment counts when the hub's ack arrives (the hub has stored
// the fully signed state). Every signature the hub released is verified after the
// window. So the two cores go to the hub, and w2r against b2 compares the node's peer
// layer with the bare pipe on equal terms.
import type { BackendName } from '../src/crypto/backend.js';
import { loadBackend } from '../src/crypto/select.js';
import { backendVerifier } from '../src/channel/verify.js';
import type { PeerConnection } from '../src/peer/connection.js';
import type { PeerNetwork } from '../src/peer/network.js';
import { toHex } from '../src/wire/json.js';
import { channelIdOf } from '../../tests/client/fixtures/peers.js';
import { presign, Replayer, type HubReply, type Presigned } from './presigned.js';
import { quantile } from './quantile.js';
import { HUB_KEY, WS_OPENING, WS_SEED, peerKey, principalOf, wsNetwork } from './ws-peers.js';

/** states signed ahead per channel: enough for 8,000 payments/s over the whole run */
const aheadFor = (seconds: number, n: number) => Math.ceil((8_000 * (seconds + 0.5)) / n) + 20;

/** Run as a child: writes "window" as the window opens, then "result <count> <secs> <p50> <p99> <cpu> <verified> <checked> <errors…>". */
export async function replayLoad(name: BackendName, url: string, n: number, seconds: number): Promise<void> {
  const backend = await loadBackend(name);
  const ahead = aheadFor(seconds, n);
  const prepared: Presigned[] = [];
  for (let i = 0; i < n; i++) prepared.push(presign(backend, peerKey(i), WS_SEED + i, WS_OPENING, ahead));
  const hub = principalOf(HUB_KEY, backend);
  const nets: PeerNetwork[] = [];
  const conns: PeerConnection[] = [];
  const ids: string[] = [];
  const r = new Replayer(prepared, ahead, (c, text) => conns[c]!.sendMsg(ids[c]!, text));
  for (let c = 0; c < n; c++) {
    const net = wsNetwork(peerKey(c), backend);
    nets.push(net);
    const session = await net.connect(url, hub);
    ids.push(toHex(channelIdOf(WS_SEED + c)));
    conns.push(session.connection!);
    session.transport(ids[c]!).onMessage((raw) => r.onReply(c, raw as HubReply));
  }
  for (let c = 0; c < n; c++) r.propose(c);
  await new Promise((done) => setTimeout(done, 500)); // warm up
  process.stdout.write('window\n');
  r.measuring = true;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  await new Promise((done) => setTimeout(done, seconds * 1000));
  r.measuring = false;
  const secs = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu0);
  r.running = false;
  await new Promise((done) => setTimeout(done, 200)); // answers still on their way
  const verified = r.verify(backendVerifier(backend), backend.publicKeyOf(HUB_KEY));
  const cpu = (used.user + used.system) / 1e6;
  process.stdout.write(`result ${r.count} ${secs} ${quantile(r.lat, 0.5)} ${quantile(r.lat, 0.99)} ${cpu} ${verified} ${r.firstSigs.length} ${r.errors.join(' | ')}\n`);
  for (const net of nets) await net.close();
  process.exit(0);
}
