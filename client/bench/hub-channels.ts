// The hub side's channel settings shared by the hub benchmarks (payments.ts,
// hub-capacity.ts): a channel of the benchmark's fixed pair of keys, unbatched, no
// confirmation wait. Not part of the client library.
import type { CryptoBackend } from '../src/crypto/backend.js';
import { backendVerifier } from '../src/channel/verify.js';
import type { SqliteStore } from '../src/store/sqlite.js';
import type { Transport } from '../src/wire/transport.js';
import { DOMAIN, KEY_A, KEY_B, PRINCIPAL_A, PRINCIPAL_B, channelIdOf, keySigner } from '../../tests/client/fixtures/peers.js';

/** Channel `seed` (channelIdOf) as side `role`, stored in `store`, talking over `transport`. */
export function channelConfig(backend: CryptoBackend, role: 'a' | 'b', seed: number, store: SqliteStore, transport: Transport) {
  return {
    channelId: channelIdOf(seed), role, domain: DOMAIN, participants: { a: PRINCIPAL_A, b: PRINCIPAL_B },
    signer: keySigner(role === 'a' ? KEY_A : KEY_B, backend), verifier: backendVerifier(backend),
    counterpartyKeys: [backend.publicKeyOf(role === 'a' ? KEY_B : KEY_A)], store, transport, window: 6n,
    confirmations: 0, batching: false, retransmitMs: 2_000,
  } as const;
}
