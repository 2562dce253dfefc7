// The wire's hand-written fast path (client/src/wire/fast-parse.ts) skips zod for
// well-formed proposals, signatures and acks, so it must never accept what the zod
// schemas refuse, and must return exactly what they return. A differential property:
// valid messages and random mutations of them through both paths. Also: the direct JSON
// text writer produces exactly JSON.stringify of the message's JSON form.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_UINT128 } from '../../client/src/codec/state.js';
import { fastParseMessage } from '../../client/src/wire/fast-parse.js';
import { encodeMessage, messageSchema, messageToJson } from '../../client/src/wire/messages.js';
import { hotMessageArb as hotMessage } from './fixtures/wire-arbitraries.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path to a value inside a JSON tree. */
function paths(x: Json, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [at];
  if (Array.isArray(x)) x.forEach((e, i) => out.push(...paths(e, [...at, i])));
  else if (x !== null && typeof x === 'object') for (const [k, e] of Object.entries(x)) out.push(...paths(e, [...at, k]));
  return out;
}

/** A copy of `x` with the value at `path` replaced (or deleted, or a key added beside it). */
function mutate(x: Json, path: (string | number)[], how: 'replace' | 'delete' | 'add', value: Json): Json {
  const copy = JSON.parse(JSON.stringify(x)) as Json;
  if (path.length === 0) return how === 'replace' ? value : copy;
  let parent = copy as Record<string | number, Json>;
  for (const p of path.slice(0, -1)) parent = parent[p] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  if (how === 'replace') parent[last] = value;
  else if (how === 'delete') {
    if (Array.isArray(parent)) parent.splice(last as number, 1);
    else delete parent[last];
  } else if (!Array.isArray(parent)) parent['extra'] = value;
  return copy;
}

// values near the schema's edges: other types, leading zeros, 2^128, upper-case and short hex
const edgy: fc.Arbitrary<Json> = fc.oneof(
  fc.jsonValue() as fc.Arbitrary<Json>,
  fc.constantFrom<Json>('', '0', '00', '01', '-1', '1.5', String(MAX_UINT128), String(MAX_UINT128 + 1n), 'AB'.repeat(32), 'ab'.repeat(31), 'ab'.repeat(33), 'zz'.repeat(32), true, 0, 1, null, [], {}),
);

function agree(input: unknown): void {
  const fast = fastParseMessage(input);
  const zod = messageSchema.safeParse(input);
  if (fast !== null) {
    expect(zod.success, `fast path accepted what zod refuses: ${JSON.stringify(input).slice(0, 300)}`).toBe(true);
    expect(fast).toEqual(zod.data);
  }
}

describe('wire fast path', () => {
  it('accepts valid hot messages exactly as zod parses them', () => {
    fc.assert(
      fc.property(hotMessage, (m) => {
        const json = JSON.parse(encodeMessage(m)) as unknown;
        agree(json);
        expect(messageSchema.safeParse(json).success).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('never accepts a mutated message zod refuses, and agrees where both accept', () => {
    fc.assert(
      fc.property(
        hotMessage.chain((m) => {
          const json = JSON.parse(encodeMessage(m)) as Json;
          return fc.tuple(fc.constant(json), fc.constantFrom(...paths(json)), fc.constantFrom('replace' as const, 'delete' as const, 'add' as const), edgy);
        }),
        ([json, path, how, value]) => agree(mutate(json, path, how, value)),
      ),
      { numRuns: 2000 },
    );
  });

  it('writes JSON text identical to JSON.stringify of the message', () => {
    fc.assert(
      fc.property(hotMessage, (m) => {
        expect(encodeMessage(m)).toBe(JSON.stringify(messageToJson(m)));
      }),
      { numRuns: 300 },
    );
  });
});
