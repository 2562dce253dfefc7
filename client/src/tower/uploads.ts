// Taking an upload: a client's newest closable state of one of its channels, with both
// signatures. The tower keeps it only if the contract itself takes it now
// (`verify-payment`: the channel is open, the signatures are its participants' or their
// registered signers', the nonce is above the checkpoint, the balances add up), if the
// uploader is one of the channel's participants, if it is a transfer or close state (the
// only ones a challenge can use), and if it is not older than what the tower holds for
// that client. Each refusal has its code and changes nothing.
import { z } from 'zod';
import { Action } from '../codec/state.js';
import { verifyPayment, type ChainContext } from '../chain/readers.js';
import type { SignedState } from '../chain/signed.js';
import { signatureSchema, stateSchema } from '../wire/schemas.js';
import { TowerCode, TowerError } from './errors.js';
import type { TowerStore } from './store.js';

export const UploadSchema = z.strictObject({ state: stateSchema, sigA: signatureSchema, sigB: signatureSchema });

export interface UploadLimits {
  /** channels one client may have watched (default 100) */
  readonly channelsPerClient: number;
}

export type UploadResult = { readonly channelId: Uint8Array; readonly nonce: bigint; readonly stored: 'new' | 'newer' | 'same' };

export async function takeUpload(o: { store: TowerStore; ctx: ChainContext; limits: UploadLimits; owner: string; body: unknown; now: number }): Promise<UploadResult> {
  const parsed = UploadSchema.safeParse(o.body);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new TowerError(TowerCode.BadUpload, `${i?.path.join('.') || 'body'}: ${i?.message ?? 'invalid'}`);
  }
  const signed: SignedState = parsed.data;
  const { channelId, nonce, action } = signed.state;
  if (action !== Action.Transfer && action !== Action.Close) throw new TowerError(TowerCode.NotClosable, 'only a transfer or close state can answer a close: upload the newest of those');
  const held = o.store.held(channelId, o.owner);
  if (held !== null && held.signed.state.nonce > nonce) {
    throw new TowerError(TowerCode.Stale, `the tower holds nonce ${held.signed.state.nonce} for this channel; this is ${nonce}`, { details: { held: held.signed.state.nonce.toString() } });
  }
  if (held === null && o.store.channelsOf(o.owner) >= o.limits.channelsPerClient) {
    throw new TowerError(TowerCode.Limit, `a client may have ${o.limits.channelsPerClient} channels watched here`);
  }
  let verdict: Awaited<ReturnType<typeof verifyPayment>>;
  try {
    verdict = await verifyPayment(o.ctx, { signed });
  } catch (cause) {
    throw new TowerError(TowerCode.Chain, 'the tower could not read the chain to check the state; try again', { cause });
  }
  if (!verdict.valid) throw new TowerError(TowerCode.Rejected, `the contract refuses this state: ${verdict.error.code}`, { details: { contractError: verdict.error.code } });
  if (o.owner !== verdict.participantA && o.owner !== verdict.participantB) {
    throw new TowerError(TowerCode.NotParticipant, `${o.owner} is not a participant of this channel`);
  }
  const stored = held === null ? 'new' : held.signed.state.nonce === nonce ? 'same' : 'newer';
  if (stored !== 'same') o.store.put(o.owner, signed, o.now);
  return { channelId, nonce, stored };
}
