// The browser test's page: a dapp that signs a channel state with WalletSigner and the
// real @stacks/connect `request` (no injected `request`), so connect finds the wallet on
// `window` as it would in production. It owns only the bridge the test drives
// (window.bitstreamWallet) and never signs anything itself.
import { stateSchema } from '../../../client/src/wire/schemas.js';
import { WalletSigner } from '../../../client/src/wallet-entry.js';
import type { PageGlobal, PageSignRequest, PageSignResult } from './bridge.js';

const fromHex = (h: string) => Uint8Array.from(h.match(/../g) ?? [], (b) => parseInt(b, 16));
const toHex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

async function sign(req: PageSignRequest): Promise<PageSignResult> {
  const signer = new WalletSigner(req.publicKey === undefined ? {} : { publicKey: fromHex(req.publicKey) });
  try {
    const signature = await signer.signState(stateSchema.parse(req.state), req.domain, fromHex(req.hash));
    return { ok: true, signature: toHex(signature), publicKey: signer.publicKey && toHex(signer.publicKey) };
  } catch (e) {
    const err = e as { name?: string; code?: unknown; message?: string; cause?: { name?: string; code?: unknown } };
    return {
      ok: false,
      name: String(err.name),
      code: String(err.code),
      message: String(err.message),
      cause: err.cause ? { name: String(err.cause.name), code: String(err.cause.code) } : null,
    };
  }
}

(globalThis as unknown as PageGlobal).bitstreamWallet = { sign };
