// The crypto layer's public entry: the backend interface, its selection, and the
// signature layout rules. The native and WASM backends are reached only through
// selectBackend/loadBackend (dynamic import), never imported from here.
export * from './backend.js';
export * from './select.js';
export * from './signature.js';
export { nobleBackend, signHash, recoverPublicKey, publicKeyOf } from './noble.js';
export { KNOWN_ANSWERS, passesKnownAnswers } from './known-answer.js';
