// Evaluate post-conditions against the assets a call moved, the way a Stacks node does
// (stacks-core `check_transaction_postconditions`): for each post-condition, add up what
// its principal sent of its asset (transfers and burns) and compare; in deny mode, any
// (sender, asset) that moved something and that no post-condition names aborts the call.
// Used by the tests to prove each builder's post-conditions allow exactly what the
// contract moves, and usable as a preflight over a simulated call. No I/O.
import type { PostCondition } from '@stacks/transactions';

/** One asset leaving a principal: a transfer (recipient set) or a burn (recipient null). */
export interface AssetMove {
  /** 'STX', or `<token contract>::<asset name>`; NFTs carry `nft: true` */
  readonly asset: string;
  readonly sender: string;
  readonly recipient: string | null;
  readonly amount: bigint;
  readonly nft?: boolean;
}

export interface PostConditionVerdict {
  readonly ok: boolean;
  /** one line per failed post-condition or uncovered move */
  readonly violations: readonly string[];
}

const key = (sender: string, asset: string) => `${sender}|${asset}`;

function compare(condition: string, actual: bigint, bound: bigint): boolean {
  switch (condition) {
    case 'eq': return actual === bound;
    case 'gt': return actual > bound;
    case 'gte': return actual >= bound;
    case 'lt': return actual < bound;
    case 'lte': return actual <= bound;
    default: throw new RangeError(`unknown comparator ${condition}`);
  }
}

export function checkPostConditions(
  moves: readonly AssetMove[],
  postConditions: readonly PostCondition[],
  mode: 'deny' | 'allow',
): PostConditionVerdict {
  const sent = new Map<string, bigint>();
  for (const m of moves) sent.set(key(m.sender, m.asset), (sent.get(key(m.sender, m.asset)) ?? 0n) + m.amount);

  const violations: string[] = [];
  const covered = new Set<string>();
  for (const pc of postConditions) {
    if (pc.type !== 'stx-postcondition' && pc.type !== 'ft-postcondition') {
      // builders never emit these; a checker that silently passed them would prove nothing
      throw new RangeError(`post-condition type ${pc.type} is not supported by this checker`);
    }
    const asset = pc.type === 'stx-postcondition' ? 'STX' : pc.asset;
    const k = key(pc.address, asset);
    covered.add(k);
    const actual = sent.get(k) ?? 0n;
    const bound = BigInt(pc.amount);
    if (!compare(pc.condition, actual, bound)) {
      violations.push(`${pc.address} sent ${actual} ${asset}, post-condition says ${pc.condition} ${bound}`);
    }
  }
  if (mode === 'deny') {
    for (const m of moves) {
      if (m.nft === true || !covered.has(key(m.sender, m.asset))) {
        violations.push(`deny mode: ${m.sender} sent ${m.amount} ${m.asset} with no post-condition covering it`);
      }
    }
  }
  return { ok: violations.length === 0, violations };
}
