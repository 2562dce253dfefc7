// The `bitstream` command line: argument parsing (commander), the node API client it
// uses, and how results print (tables, --json). It must not hold channel state or talk to
// the chain: every command but `node start` and `key create` is a request to a node.
export { buildProgram, runCli, type CliIo } from './program.js';
export { NodeApiClient, ApiError } from './api-client.js';
