// The watchtower's public entry: the pure core, its inputs and actions, and the poller.
export * from './sources.js';
export * from './actions.js';
export * from './watchtower.js';
export * from './poller.js';
