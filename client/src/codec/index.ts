// The state codec's public entry: the state's shape, its consensus bytes and SIP-018
// hash, decoding and range validation. Every other module goes through here (STYLE 1).
export * from './state.js';
export * from './sip018.js';
export { encodeStateConsensus } from './consensus.js';
export { stateFromClarity, decodeState } from './decode.js';
export { validateState } from './validate.js';
export { isValidPrincipal, parsePrincipal } from './principal.js';
export { StateCodecError, type StateCodecErrorCode } from './errors.js';
