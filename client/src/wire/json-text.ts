// The JSON text of the hot values written straight as strings (hex, decimals, booleans),
// byte-identical to JSON.stringify of their json.ts objects but without building those
// objects first: a hub encodes several of these per payment. Strings that could need
// escaping (principals) still go through JSON.stringify.
import type { ChannelState } from '../codec/state.js';
import { toHex } from './json.js';

/** JSON.stringify(stateToJson(s)), written directly. */
export function stateJsonText(s: ChannelState): string {
  let htlcs = '';
  for (let i = 0; i < s.htlcs.length; i++) {
    const h = s.htlcs[i]!;
    htlcs +=
      (i > 0 ? ',' : '') +
      `{"hash":"${toHex(h.hash)}","amount":"${h.amount}","expiry":"${h.expiry}","offeredByA":${h.offeredByA}}`;
  }
  return (
    `{"channelId":"${toHex(s.channelId)}","nonce":"${s.nonce}","balanceA":"${s.balanceA}","balanceB":"${s.balanceB}",` +
    `"htlcs":[${htlcs}],"action":${JSON.stringify(s.action)},"actor":${JSON.stringify(s.actor)},"amount":"${s.amount}",` +
    `"validUntil":"${s.validUntil}","data":"${toHex(s.data)}"}`
  );
}
