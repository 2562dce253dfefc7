// The crypto backends behind one interface: noble (pure JS), native libsecp256k1 and
// WASM tiny-secp256k1 sign identically (RFC 6979, low S, V ∈ {0,1}), verify each
// other's signatures, and refuse malleated (high-S), mis-tagged and wrong-key
// signatures; selectBackend honours overrides, caches its choice and skips a backend
// that is missing or broken.
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  BACKEND_NAMES,
  BackendUnavailableError,
  bigIntTo32,
  CURVE_ORDER,
  DEFAULT_LOADERS,
  fastestBackend,
  HALF_ORDER,
  KNOWN_ANSWERS,
  loadBackend,
  nobleBackend,
  selectBackend,
  signHash,
  recoverPublicKey,
  sOf,
  type BackendLoaders,
  type CryptoBackend,
} from '../../client/src/crypto/index.js';

let backends: CryptoBackend[] = [];
beforeAll(async () => {
  backends = await Promise.all(BACKEND_NAMES.map((n) => loadBackend(n)));
});

const privateKey = fc
  .bigInt({ min: 1n, max: CURVE_ORDER - 1n })
  .map(bigIntTo32);
const hash = fc.uint8Array({ minLength: 32, maxLength: 32 });

/** The malleated twin: S → n − S, recovery bit flipped (recovers the same key on a lax verifier). */
function highSTwin(sig: Uint8Array): Uint8Array {
  const out = Uint8Array.from(sig);
  out.set(bigIntTo32(CURVE_ORDER - sOf(sig)), 32);
  out[64] = out[64]! ^ 1;
  return out;
}

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

describe('crypto backends', () => {
  it('all three load here, and native is the real libsecp256k1 addon, not the elliptic fallback', () => {
    expect(backends.map((b) => b.name)).toEqual(['noble', 'native', 'wasm']);
    expect(backends[1]!.implementation).toMatch(/libsecp256k1.*N-API/);
  });

  it('every backend reproduces the RFC 6979 known answers', () => {
    for (const b of backends)
      for (const v of KNOWN_ANSWERS) {
        expect(Buffer.from(b.sign(v.hash, v.privateKey)).toString('hex'), b.name).toBe(
          Buffer.from(v.signature).toString('hex'),
        );
        expect(b.verify(v.hash, v.signature, b.publicKeyOf(v.privateKey)), b.name).toBe(true);
      }
  });

  it('same key and hash: the same signature from every backend, in the contract layout', () => {
    fc.assert(
      fc.property(privateKey, hash, (key, h) => {
        const sigs = backends.map((b) => Buffer.from(b.sign(h, key)).toString('hex'));
        expect(new Set(sigs).size, sigs.join(' ')).toBe(1);
        // the legacy noble helper still agrees
        expect(Buffer.from(signHash(h, key)).toString('hex')).toBe(sigs[0]);
        const sig = backends[1]!.sign(h, key);
        // 65 bytes, low S, V ∈ {0,1}: what the contract's signed-by checks
        expect(sig.length).toBe(65);
        expect(sOf(sig) <= HALF_ORDER).toBe(true);
        expect(sig[64]! <= 1).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  // fewer runs: noble's recovery costs milliseconds
  it('each backend verifies the signatures of every backend and refuses high-S twins, flipped V, other keys and hashes', () => {
    fc.assert(
      fc.property(privateKey, privateKey, hash, (key, otherKey, h) => {
        fc.pre(Buffer.compare(key, otherKey) !== 0);
        const pub = backends[0]!.publicKeyOf(key);
        const otherPub = backends[0]!.publicKeyOf(otherKey);
        const h2 = Uint8Array.from(h);
        h2[0] = h2[0]! ^ 1;
        for (const signer of backends) {
          const sig = signer.sign(h, key);
          const twin = highSTwin(sig);
          const flipped = Uint8Array.from(sig);
          flipped[64] = sig[64]! ^ 1;
          const byOther = signer.sign(h, otherKey);
          for (const b of backends) {
            const who = `${signer.name} signs, ${b.name} checks`;
            expect(Buffer.from(b.publicKeyOf(key)).equals(Buffer.from(pub)), who).toBe(true);
            expect(Buffer.from(b.recover(h, sig)).equals(Buffer.from(pub)), who).toBe(true);
            expect(b.verify(h, sig, otherPub), `${who}: wrong key`).toBe(false);
            expect(b.verify(h, byOther, pub), `${who}: signed by another key`).toBe(false);
            // the malleated twin: refused outright (I7)
            expect(codeOf(() => b.recover(h, twin)), `${who}: high S`).toBe('SIGNATURE_HIGH_S');
            expect(b.verify(h, twin, pub), `${who}: high S`).toBe(false);
            // the other recovery id recovers another key (or none), never ours
            expect(b.verify(h, flipped, pub), `${who}: flipped V`).toBe(false);
            expect(b.verify(h2, sig, pub), `${who}: other hash`).toBe(false);
          }
        }
      }),
      { numRuns: 15 },
    );
  });

  it('the high-S twin is a real signature a lax verifier accepts: why the check exists (I7)', () => {
    const key = KNOWN_ANSWERS[0]!.privateKey;
    const h = KNOWN_ANSWERS[0]!.hash;
    const twin = highSTwin(nobleBackend.sign(h, key));
    // noble's plain recover (no low-S rule) recovers the twin to the signer's key
    expect(Buffer.from(recoverPublicKey(h, twin)).toString('hex')).toBe(
      Buffer.from(nobleBackend.publicKeyOf(key)).toString('hex'),
    );
  });

  it('every backend refuses malformed input with the same typed error', () => {
    const key = KNOWN_ANSWERS[0]!.privateKey;
    const h = KNOWN_ANSWERS[0]!.hash;
    const sig = KNOWN_ANSWERS[0]!.signature;
    const withV = (v: number) => Uint8Array.from([...sig.subarray(0, 64), v]);
    const zeroR = Uint8Array.from(sig);
    zeroR.fill(0, 0, 32);
    const sOverN = Uint8Array.from(sig);
    sOverN.set(bigIntTo32(CURVE_ORDER), 32);
    const pub = nobleBackend.publicKeyOf(key);
    for (const b of backends) {
      const expectCode = (name: string, f: () => unknown, code: string) => expect(codeOf(f), `${b.name}: ${name}`).toBe(code);
      expectCode('zero private key', () => b.sign(h, new Uint8Array(32)), 'PRIVATE_KEY_INVALID');
      expectCode('private key = n', () => b.sign(h, bigIntTo32(CURVE_ORDER)), 'PRIVATE_KEY_INVALID');
      expectCode('31-byte private key', () => b.publicKeyOf(new Uint8Array(31).fill(1)), 'PRIVATE_KEY_INVALID');
      expectCode('31-byte hash', () => b.sign(new Uint8Array(31), key), 'HASH_LENGTH');
      expectCode('64-byte signature', () => b.recover(h, sig.subarray(0, 64)), 'SIGNATURE_LENGTH');
      expectCode('V = 2', () => b.recover(h, withV(2)), 'SIGNATURE_RECOVERY_ID');
      expectCode('V = 27 (a wallet layout, not the contract one)', () => b.recover(h, withV(27)), 'SIGNATURE_RECOVERY_ID');
      expectCode('R = 0', () => b.recover(h, zeroR), 'SIGNATURE_RANGE');
      expectCode('S ≥ n', () => b.recover(h, sOverN), 'SIGNATURE_RANGE');
      expect(b.verify(h, withV(27), pub), `${b.name}: verify V = 27`).toBe(false);
      expectCode('uncompressed public key', () => b.verify(h, sig, new Uint8Array(65).fill(4)), 'PUBLIC_KEY_INVALID');
    }
  });
});

describe('selectBackend', () => {
  it('honours an explicit backend, then BITSTREAM_CRYPTO, and refuses an unknown name', async () => {
    expect((await selectBackend({ backend: 'wasm', env: { BITSTREAM_CRYPTO: 'native' } })).name).toBe('wasm');
    expect((await selectBackend({ env: { BITSTREAM_CRYPTO: 'noble' } })).name).toBe('noble');
    expect((await selectBackend({ env: { BITSTREAM_CRYPTO: 'native' } })).name).toBe('native');
    await expect(selectBackend({ env: { BITSTREAM_CRYPTO: 'openssl' } })).rejects.toMatchObject({
      code: 'CRYPTO_BACKEND_NAME',
    });
  });

  it('measures once and caches the automatic choice', async () => {
    const first = await selectBackend({ env: {} });
    expect(BACKEND_NAMES).toContain(first.name);
    expect(await selectBackend({ env: {} })).toBe(first);
  });

  it('skips a backend whose package is missing, and one that fails the known answers', async () => {
    const missing: BackendLoaders = {
      ...DEFAULT_LOADERS,
      native: async () => {
        throw new Error("Cannot find module 'secp256k1'");
      },
      wasm: async () => {
        const real = await DEFAULT_LOADERS.wasm();
        // a backend with another nonce rule (or a broken build): signs, but not RFC 6979
        return { ...real, sign: (h: Uint8Array, k: Uint8Array) => nobleBackend.sign(h.map((x) => x ^ 1), k) };
      },
    };
    const sel = await fastestBackend(missing, 5);
    expect(sel.backend.name).toBe('noble');
    expect(sel.measured.map((m) => m.name)).toEqual(['noble']);
    expect(sel.unavailable.map((u) => u.name)).toEqual(['native', 'wasm']);
    for (const u of sel.unavailable) expect(u.error).toBeInstanceOf(BackendUnavailableError);
    await expect(loadBackend('native', missing)).rejects.toMatchObject({
      code: 'CRYPTO_BACKEND_UNAVAILABLE',
      cause: expect.objectContaining({ message: "Cannot find module 'secp256k1'" }),
    });
  });
});
