// The JSON the hub-page test and its page exchange. Types only; both sides import it.

/** What the test asks the page to do: be a dApp paying its hub. */
export interface HubRun {
  /** the local chain's API (it answers any origin) */
  readonly chainUrl: string;
  readonly hubUrl: string;
  readonly hubPrincipal: string;
  readonly contract: string;
  readonly chainId: number;
  /** the wallet's account */
  readonly account: string;
  readonly amount: string;
  readonly payments: number;
  readonly price: string;
}

export type HubRunResult =
  | {
      readonly ok: true;
      readonly channelId: string;
      readonly own: string;
      readonly other: string;
      readonly nonce: string;
      /** what the hub proved to be, and the session key that spoke for the account */
      readonly hub: string;
      readonly sessionKey: string;
      readonly payMs: number;
      readonly progress: readonly string[];
    }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** A wallet request the page sends the test's wallet (Leather's request API, JSON on the wire). */
export interface WalletAsk {
  readonly method: 'stx_signStructuredMessage' | 'stx_callContract';
  /** Clarity values as hex (serializeCV), bigints as strings */
  readonly params: Record<string, unknown>;
}

export interface HubPageGlobal {
  bitstreamHub: { run(r: HubRun): Promise<HubRunResult> };
  /** the test's wallet, exposed into the page */
  __bitstreamTestWallet(ask: WalletAsk): Promise<{ readonly result?: Record<string, unknown>; readonly error?: { readonly code: number; readonly message: string } }>;
}
