// What a watchtower is given to work with, as the smallest interfaces that do: the
// newest fully signed state per channel (a store, or anything shaped like one) and the
// secrets it may reveal. The watchtower reads them; it never writes to them.
import type { SignedState } from '../chain/signed.js';
import type { StateStore } from '../store/types.js';
import { toHex } from '../wire/json.js';

export interface SignedStateSource {
  /** the newest fully signed state of the channel, or null if none is held */
  latest(channelId: Uint8Array): SignedState | null;
  /**
   * The newest fully signed `transfer` or `close` state, if the store can tell. Only
   * those can answer a close: when the newest state is a deposit or withdraw not yet
   * submitted, the one before it is what a challenge needs. Without this method the
   * watchtower can only use `latest`.
   */
  latestClosable?(channelId: Uint8Array): SignedState | null;
}

export interface SecretSource {
  /** the 32-byte preimage of `hash`, if the owner knows it */
  secretFor(hash: Uint8Array): Uint8Array | null;
}

/** The chain's clocks now. Without a tenure height, only burn blocks are compared. */
export interface ChainTime {
  readonly burnHeight: bigint;
  readonly tenureHeight?: bigint;
}

/** A state a side holds as the contract takes it, or null while a signature is missing (the opening state has none). */
export function fullySigned(s: { readonly state: SignedState['state']; readonly sigA: Uint8Array | null; readonly sigB: Uint8Array | null } | null | undefined): SignedState | null {
  return s === null || s === undefined || s.sigA === null || s.sigB === null ? null : { state: s.state, sigA: s.sigA, sigB: s.sigB };
}

/** A store's secrets as a watchtower reads them: any channel's secret of a hash (a hub's learned downstream pays upstream). */
export function storeSecrets(store: Pick<StateStore, 'channels' | 'secrets'>): SecretSource {
  return {
    secretFor: (hash) => {
      const h = toHex(hash);
      for (const id of store.channels()) {
        const s = store.secrets(id).get(h);
        if (s !== undefined) return s;
      }
      return null;
    },
  };
}

/** A store as a watchtower reads it: the newest fully signed state and closable state per channel. */
export function storeStates(store: Pick<StateStore, 'load'>): SignedStateSource {
  return {
    latest: (channelId) => fullySigned(store.load(channelId)?.latest),
    latestClosable: (channelId) => fullySigned(store.load(channelId)?.closable),
  };
}
