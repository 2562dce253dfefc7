// The parties of the WebSocket benchmarks (node-ws.ts, ws-replay.ts): the hub's key,
// peer i's key, the channel seeds, and a peer network for a key. Not part of the client
// library.
import { sha256 } from '@noble/hashes/sha2.js';
import { CHAIN_ID_TESTNET } from '../src/config/networks.js';
import type { CryptoBackend } from '../src/crypto/backend.js';
import { keyIdentity } from '../src/peer/identity.js';
import { PeerNetwork } from '../src/peer/network.js';

/** channel seeds of these benchmarks (hub-capacity.ts uses 20_000 + i) */
export const WS_SEED = 30_000;
export const WS_OPENING = 10n ** 12n;
export const HUB_KEY = sha256(new TextEncoder().encode('bitstream-bench-hub'));
export const peerKey = (i: number): Uint8Array => sha256(new TextEncoder().encode(`bitstream-bench-peer-${i}`));
export const principalOf = (key: Uint8Array, backend: CryptoBackend): string => keyIdentity(key, backend, CHAIN_ID_TESTNET).principal;

export function wsNetwork(key: Uint8Array, backend: CryptoBackend): PeerNetwork {
  // rate limit off the path: the load generator is trusted here
  return new PeerNetwork({
    identity: keyIdentity(key, backend, CHAIN_ID_TESTNET), chainId: CHAIN_ID_TESTNET, recover: (h, s) => backend.recover(h, s),
    keepaliveMs: 0, rate: { perSecond: 1e9, burst: 1e9 },
  });
}
