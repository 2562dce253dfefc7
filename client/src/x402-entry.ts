// The package's `bitstream-channels/x402` entry: pay-per-call over HTTP 402 with the
// BitStream scheme, for the official @x402 packages (register(network, scheme)). Browser
// safe; @x402/core is a dependency, the middleware (@x402/hono, @x402/express) and
// @x402/fetch are the caller's choice.
export * from './x402/index.js';
