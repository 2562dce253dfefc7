// The hub-page test's page: a dApp in a real browser paying its hub node, as the dApp
// will (no Node module, the browser's own WebSocket and IndexedDB). The wallet signs one
// delegation to a session key made here, sends create-channel with it as signer
// (openWithHub), and the session key alone signs every payment. The wallet is the test's
// (window.__bitstreamTestWallet, Leather's request API); the page never holds its key.
import { createNetwork } from '@stacks/network';
import { serializeCV } from '@stacks/transactions';
import { utils } from '@noble/secp256k1';
import { toWalletCall } from '../../../client/src/chain/call.js';
import { StacksApi } from '../../../client/src/chainclient/api.js';
import { nobleBackend } from '../../../client/src/crypto/noble.js';
import { openWithHub } from '../../../client/src/hubclient/open.js';
import { HubLink } from '../../../client/src/peer/hub-link.js';
import { delegatedIdentity } from '../../../client/src/peer/identity.js';
import { LocalKeySigner } from '../../../client/src/signers/local.js';
import { WalletSigner, type StructuredMessageRequest } from '../../../client/src/signers/wallet.js';
import { IndexedDbStore } from '../../../client/src/store/indexeddb.js';
import { toHex } from '../../../client/src/wire/json.js';
import type { HubPageGlobal, HubRun, HubRunResult } from './bridge.js';

const page = globalThis as unknown as HubPageGlobal & { document: { getElementById(id: string): { textContent: string } | null } };
const show = (text: string) => {
  const el = page.document.getElementById('status');
  if (el !== null) el.textContent = text;
};
const json = (v: unknown) => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x))) as Record<string, unknown>;

async function ask(method: 'stx_signStructuredMessage' | 'stx_callContract', params: Record<string, unknown>): Promise<Record<string, unknown>> {
  const answer = await page.__bitstreamTestWallet({ method, params });
  if (answer.error !== undefined) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
  return answer.result!;
}

const signMessage: StructuredMessageRequest = async (_method, p) => {
  const r = await ask('stx_signStructuredMessage', { message: serializeCV(p.message), domain: serializeCV(p.domain) });
  return { signature: String(r['signature']) };
};

async function run(r: HubRun): Promise<HubRunResult> {
  const progress: string[] = [];
  try {
    const api = new StacksApi(r.chainUrl, createNetwork({ network: 'devnet', client: { baseUrl: r.chainUrl } }));
    // the session key lives in this page only; the wallet hands it the account's voice once
    const sessionKey = utils.randomSecretKey();
    const delegation = { principal: r.account, sessionKey: nobleBackend.publicKeyOf(sessionKey), expires: Math.floor(Date.now() / 1000) + 3600 };
    show('asking the wallet to authorise a session key');
    const sig = await new WalletSigner({ request: signMessage, address: r.account }).signDelegation(delegation, r.chainId);
    const link = new HubLink({
      url: r.hubUrl, expect: r.hubPrincipal, chainId: r.chainId, recover: (h, s) => nobleBackend.recover(h, s),
      identity: delegatedIdentity(sessionKey, nobleBackend, delegation, sig),
    });
    const session = await link.ready;
    show('connected to the hub');
    const { channel, channelId } = await openWithHub({
      session, account: r.account, contract: r.contract, chainId: r.chainId,
      signer: new LocalKeySigner(sessionKey, { backend: nobleBackend }), token: null, amount: BigInt(r.amount), window: 6n,
      store: await IndexedDbStore.open(`hub-page-${toHex(delegation.sessionKey)}`),
      callContract: async (call) => {
        const w = toWalletCall(call);
        const res = await ask('stx_callContract', { ...json(w), functionArgs: w.functionArgs.map((a) => serializeCV(a)) });
        return String(res['txid']);
      },
      mined: async (txid) => {
        for (;;) {
          const tx = await api.tx(txid);
          if (tx !== null && tx.status !== 'pending' && tx.burnHeight !== null) return tx;
          await new Promise((ok) => setTimeout(ok, 200));
        }
      },
      heights: () => api.heights(),
      onProgress: (what) => (progress.push(what), show(what)),
    });
    const started = performance.now();
    for (let i = 1; i <= r.payments; i++) await channel.pay(BigInt(r.price), { id: `call-${i}`, timeoutMs: 10_000 });
    const payMs = performance.now() - started;
    show(`paid ${r.payments} times`);
    const b = channel.balances;
    return {
      ok: true, channelId, own: b.own.toString(), other: b.other.toString(), nonce: channel.latest.state.nonce.toString(),
      hub: session.principal, sessionKey: toHex(delegation.sessionKey), payMs, progress,
    };
  } catch (e) {
    const err = e as { code?: unknown; message?: unknown };
    return { ok: false, code: String(err.code), message: String(err.message) };
  }
}

page.bitstreamHub = { run };
