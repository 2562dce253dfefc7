// The chain layer's public entry: contract-call builders (deny-mode post-conditions),
// the node's post-condition rule that judges them, read-only readers over an injectable
// ReadOnlyCaller, the event decoder and the contract error table. Nothing here signs,
// broadcasts or keeps state.
export * from './call.js';
export * from './build-open.js';
export * from './build-update.js';
export * from './build-close.js';
export * from './build-htlc.js';
export * from './payout.js';
export * from './post-conditions.js';
export * from './post-condition-check.js';
export * from './tokens.js';
export * from './signed.js';
export * from './errors.js';
export * from './decode.js';
export * from './record.js';
export * from './events.js';
export * from './read-only-caller.js';
export * from './simnet-caller.js';
export * from './readers.js';
