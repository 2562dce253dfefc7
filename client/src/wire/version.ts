// The wire protocol's version, in its own module so the schemas and the fast parser
// share it without importing each other.
/** 2: protocol v2 states (valid-until, data), payment ids, the expire request. */
export const WIRE_VERSION = 2;
