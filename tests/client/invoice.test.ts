// Invoices (PROTOCOL §10): what the payee signs reads back exactly; any change to the
// bytes, a signature by another key, a high-S signature, another chain, an expired
// invoice, an unknown version, a truncated or padded body and every out-of-range field
// are refused with their own code — and never read as something else.
import fc from 'fast-check';
import { bech32m } from '@scure/base';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHAIN_ID_MAINNET, CHAIN_ID_TESTNET } from '../../client/src/config/networks.js';
import { nobleBackend } from '../../client/src/crypto/noble.js';
import { InvoiceCode, InvoiceError } from '../../client/src/invoice/errors.js';
import { encodeBody, invoiceText, type InvoiceFields } from '../../client/src/invoice/invoice.js';
import { createInvoice, hintFee, invoiceDigest, readInvoice, type Invoice } from '../../client/src/invoice/sign.js';
import { principalOf } from '../../client/src/peer/handshake.js';
import { KEY_A, KEY_B } from './fixtures/peers.js';

const backend = nobleBackend;
const recover = (h: Uint8Array, s: Uint8Array) => backend.recover(h, s);
const sign = (key: Uint8Array) => (h: Uint8Array) => backend.sign(h, key);
const PAYEE = backend.publicKeyOf(KEY_B);
const HUB = backend.publicKeyOf(KEY_A);
const NOW = 1_800_000_000;

const fields = (over: Partial<InvoiceFields> = {}): InvoiceFields => ({
  chainId: CHAIN_ID_TESTNET, paymentHash: new Uint8Array(32).fill(7), amount: 1_500n, token: null, createdAt: NOW, expirySeconds: 3600,
  payeeKey: PAYEE, payeeUrl: 'ws://127.0.0.1:9735', memo: 'coffee ☕', finalExpiryDelta: 12,
  hints: [{ hubKey: HUB, hubUrl: 'wss://hub.example:443/peer', feeBase: 10n, feePpm: 2_500, expiryDelta: 6 }],
  ...over,
});

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof InvoiceError) return e.code;
    throw e;
  }
  return 'accepted';
}

/** An invoice string whose signed body is `body` with `signature`, checksum valid. */
const forge = (body: Uint8Array, signature: Uint8Array) => invoiceText(body, signature);

describe('invoice round trip', () => {
  it('reads back every field it was made with, and names the payee', async () => {
    const inv = await createInvoice(fields(), sign(KEY_B));
    expect(inv.text.startsWith('bitstream1')).toBe(true);
    const read = readInvoice(inv.text, recover, { chainId: CHAIN_ID_TESTNET, now: NOW + 10 });
    const { text: _t, signature: _s, payee, expiresAt, ...rest } = read;
    expect(rest).toEqual(fields());
    expect(payee).toBe(principalOf(PAYEE, CHAIN_ID_TESTNET));
    expect(expiresAt).toBe(NOW + 3600);
  });

  it('reads the upper-case form a QR code carries, and surrounding white space', async () => {
    const inv = await createInvoice(fields(), sign(KEY_B));
    expect(readInvoice(`  ${inv.text.toUpperCase()}\n`, recover).amount).toBe(1_500n);
  });

  it('round-trips any fields in range (property)', async () => {
    await fc.assert(fc.asyncProperty(
      fc.bigInt({ min: 1n, max: (1n << 128n) - 1n }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.string({ maxLength: 60 }),
      fc.integer({ min: 60, max: 30 * 24 * 3600 }), fc.integer({ min: 1, max: 1000 }), fc.boolean(),
      fc.array(fc.record({ fee: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), ppm: fc.integer({ min: 0, max: 1_000_000 }), delta: fc.integer({ min: 1, max: 1000 }) }), { maxLength: 3 }),
      async (amount, paymentHash, memo, expirySeconds, finalExpiryDelta, mainnet, hints) => {
        const f = fields({
          amount, paymentHash, memo, expirySeconds, finalExpiryDelta, chainId: mainnet ? CHAIN_ID_MAINNET : CHAIN_ID_TESTNET, payeeUrl: hints.length === 0 ? 'ws://p' : null,
          token: mainnet ? 'SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4.sbtc-token' : null,
          hints: hints.map((h) => ({ hubKey: HUB, hubUrl: 'ws://hub', feeBase: h.fee, feePpm: h.ppm, expiryDelta: h.delta })),
        });
        const made = await createInvoice(f, sign(KEY_B));
        const { text: _t, signature: _s, payee: _p, expiresAt: _e, ...rest } = readInvoice(made.text, recover);
        expect(rest).toEqual(f);
      },
    ), { seed: 0x1a2b, numRuns: 60 });
  });
});

describe('forged and altered invoices are refused', () => {
  const body = encodeBody(fields());
  let inv: Invoice;
  beforeAll(async () => {
    inv = await createInvoice(fields(), sign(KEY_B));
  });

  it('a changed character fails the checksum', async () => {
    const i = inv.text.length - 10;
    const swapped = inv.text.slice(0, i) + (inv.text[i] === 'q' ? 'p' : 'q') + inv.text.slice(i + 1);
    expect(codeOf(() => readInvoice(swapped, recover))).toBe(InvoiceCode.Malformed);
  });

  it('a changed amount, hash, payee URL or hint with a valid checksum fails the signature', async () => {
    for (const over of [{ amount: 1_501n }, { paymentHash: new Uint8Array(32).fill(8) }, { payeeUrl: 'ws://evil:1' }, { hints: [] }]) {
      const altered = forge(encodeBody(fields(over)), inv.signature);
      expect(codeOf(() => readInvoice(altered, recover))).toBe(InvoiceCode.BadSignature);
    }
  });

  it('an invoice naming the payee but signed by another key is refused', async () => {
    const other = await createInvoice(fields(), sign(KEY_A));
    expect(codeOf(() => readInvoice(other.text, recover))).toBe(InvoiceCode.BadSignature);
  });

  it('a high-S twin of the payee\'s own signature is refused', async () => {
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const sig = inv.signature;
    const s = BigInt(`0x${Buffer.from(sig.slice(32, 64)).toString('hex')}`);
    const high = Uint8Array.from(sig);
    high.set(Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex'), 32);
    high[64] = sig[64]! ^ 1;
    expect(codeOf(() => readInvoice(forge(body, high), recover))).toBe(InvoiceCode.BadSignature);
  });

  it('another chain, a past expiry and an unknown version have their own codes', async () => {
    expect(codeOf(() => readInvoice(inv.text, recover, { chainId: CHAIN_ID_MAINNET }))).toBe(InvoiceCode.WrongNetwork);
    expect(codeOf(() => readInvoice(inv.text, recover, { now: NOW + 3600 }))).toBe(InvoiceCode.Expired);
    expect(codeOf(() => readInvoice(inv.text, recover, { now: NOW + 3599 }))).toBe('accepted');
    const v2 = Uint8Array.from(body);
    v2[0] = 2;
    expect(codeOf(() => readInvoice(forge(v2, backend.sign(invoiceDigest(v2), KEY_B)), recover))).toBe(InvoiceCode.Version);
  });

  it('every truncation of the body, and bytes after it, are malformed (even when signed)', async () => {
    for (let cut = 1; cut < body.length; cut++) {
      const short = body.slice(0, cut);
      expect(codeOf(() => readInvoice(forge(short, backend.sign(invoiceDigest(short), KEY_B)), recover))).toBe(InvoiceCode.Malformed);
    }
    const long = new Uint8Array([...body, 0]);
    expect(codeOf(() => readInvoice(forge(long, backend.sign(invoiceDigest(long), KEY_B)), recover))).toBe(InvoiceCode.Malformed);
  });

  it('another prefix, an over-long string and a non-string are malformed', async () => {
    const words = bech32m.toWords(new Uint8Array([...body, ...inv.signature]));
    expect(codeOf(() => readInvoice(bech32m.encode('lnbc', words, false), recover))).toBe(InvoiceCode.Malformed);
    expect(codeOf(() => readInvoice(`bitstream1${'q'.repeat(2_100)}`, recover))).toBe(InvoiceCode.Malformed);
    expect(codeOf(() => readInvoice(42 as unknown as string, recover))).toBe(InvoiceCode.Malformed);
  });
});

describe('fields out of range are refused when made and when read', () => {
  const bad: [string, Partial<InvoiceFields>][] = [
    ['zero amount', { amount: 0n }], ['amount over 128 bits', { amount: 1n << 128n }], ['token not a contract', { token: 'ST1PQHQKV0RJXZFY1DGX8MNSNYVE3VGZJSRTPGZGM' }],
    ['memo over 200 bytes', { memo: 'é'.repeat(101) }], ['expiry under a minute', { expirySeconds: 59 }], ['expiry over 30 days', { expirySeconds: 30 * 24 * 3600 + 1 }],
    ['no way to reach the payee', { payeeUrl: null, hints: [] }], ['an http URL', { payeeUrl: 'http://x' }], ['final delta 0', { finalExpiryDelta: 0 }],
    ['four hints', { hints: Array(4).fill(fields().hints[0]) }], ['fee rate over 100 %', { hints: [{ ...fields().hints[0]!, feePpm: 1_000_001 }] }],
    ['a hub key that is not a key', { hints: [{ ...fields().hints[0]!, hubKey: new Uint8Array(33) }] }], ['a 31-byte hash', { paymentHash: new Uint8Array(31) }],
  ];
  it.each(bad)('%s', async (_name, over) => {
    await expect(createInvoice(fields(over), sign(KEY_B))).rejects.toMatchObject({ code: InvoiceCode.Malformed });
  });

  it('a field made out of range by hand (signed, checksum valid) is refused when read', async () => {
    const body = encodeBody(fields());
    const zeroAmount = Uint8Array.from(body);
    zeroAmount.fill(0, 1 + 4 + 32, 1 + 4 + 32 + 16);
    expect(codeOf(() => readInvoice(forge(zeroAmount, backend.sign(invoiceDigest(zeroAmount), KEY_B)), recover))).toBe(InvoiceCode.Malformed);
  });
});

describe('hint fees', () => {
  it('are base + amount × ppm / 10⁶, rounded up so a hub is never paid less than it asked', async () => {
    expect(hintFee(1_000_000n, { feeBase: 10n, feePpm: 2_500 })).toBe(2_510n);
    expect(hintFee(1n, { feeBase: 0n, feePpm: 1 })).toBe(1n);
    expect(hintFee(1_000n, { feeBase: 5n, feePpm: 0 })).toBe(5n);
  });
});
