// Post-condition enforcement as a Stacks node does it (stacks-core
// `check_transaction_postconditions`): build the transaction's asset map — what each
// principal SENT of each asset, transfers and burns, never what it received or minted —
// from the execution's events, check every post-condition against it, and, in deny mode
// (originator mode: for the origin only), refuse any asset a principal moved that no
// post-condition names. The one copy of the rule: the local chain's block producer
// enforces it, and the chain tests prove with it that each builder's post-conditions
// allow exactly what the contract moves. Pure: it judges events, it never executes or
// undoes anything, and it does no I/O.
import {
  FungibleConditionCode,
  NonFungibleConditionCode,
  PostConditionPrincipalId,
  PostConditionType,
  addressToString,
  postConditionToWire,
  serializeCV,
  type AssetWire,
  type ClarityValue,
  type PostCondition,
  type PostConditionModeName,
  type PostConditionPrincipalWire,
  type PostConditionWire,
} from '@stacks/transactions';

export type { PostConditionModeName };

/** One event of an execution as the simnet reports it (clarinet-sdk `ClarityEvent`, node event-observer shapes). */
export interface ChainEvent {
  readonly event: string;
  readonly data: { readonly [key: string]: unknown; readonly value?: ClarityValue; readonly raw_value?: string };
}

/**
 * The judgement. On failure `reason` is what a node reports (its first failed check) and
 * `violations` lists every failed check, that one first, so a test can see them all.
 */
export type Verdict =
  | { readonly ok: true; readonly violations: readonly [] }
  | { readonly ok: false; readonly reason: string; readonly violations: readonly string[] };

/** The verdict under its earlier name. */
export type PostConditionVerdict = Verdict;

const STX = 'STX';
const STX_BURNED = 'STX_burned';

/** What each principal sent, per asset: `STX`, `STX_burned`, `<contract>::<asset>`. */
export class AssetMap {
  private readonly fungible = new Map<string, Map<string, bigint>>();
  private readonly nonFungible = new Map<string, Map<string, string[]>>();

  static fromEvents(events: readonly ChainEvent[]): AssetMap {
    const map = new AssetMap();
    for (const { event, data } of events) {
      const sender = String(data['sender'] ?? '');
      switch (event) {
        case 'stx_transfer_event':
          map.addFungible(sender, STX, BigInt(String(data['amount'])));
          break;
        case 'stx_burn_event':
          map.addFungible(sender, STX_BURNED, BigInt(String(data['amount'])));
          break;
        case 'ft_transfer_event':
        case 'ft_burn_event':
          map.addFungible(sender, String(data['asset_identifier']), BigInt(String(data['amount'])));
          break;
        case 'nft_transfer_event':
        case 'nft_burn_event':
          map.addNonFungible(sender, String(data['asset_identifier']), nftValueHex(data));
          break;
        default: // mints, prints and locks move nothing out of anyone
      }
    }
    return map;
  }

  sent(principal: string, asset: string): bigint {
    return this.fungible.get(principal)?.get(asset) ?? 0n;
  }

  nftsSent(principal: string, asset: string): readonly string[] {
    return this.nonFungible.get(principal)?.get(asset) ?? [];
  }

  /** Every (principal, asset) that moved something, NFT values listed. */
  *entries(): Generator<{ principal: string; asset: string; nfts: readonly string[] | null }> {
    for (const [principal, assets] of this.fungible) for (const asset of assets.keys()) yield { principal, asset, nfts: null };
    for (const [principal, assets] of this.nonFungible) for (const [asset, nfts] of assets) yield { principal, asset, nfts };
  }

  private addFungible(principal: string, asset: string, amount: bigint): void {
    const assets = this.fungible.get(principal) ?? new Map<string, bigint>();
    assets.set(asset, (assets.get(asset) ?? 0n) + amount);
    this.fungible.set(principal, assets);
  }

  private addNonFungible(principal: string, asset: string, valueHex: string): void {
    const assets = this.nonFungible.get(principal) ?? new Map<string, string[]>();
    assets.set(asset, [...(assets.get(asset) ?? []), valueHex]);
    this.nonFungible.set(principal, assets);
  }
}

/**
 * Judge an execution's asset movements against a transaction's post-conditions, given
 * in wire form (a decoded transaction's) or as @stacks/transactions builds them (a
 * builder's). `origin` is the principal an origin post-condition names, and the one
 * originator mode enforces.
 */
export function checkPostConditions(
  assets: AssetMap,
  postConditions: readonly (PostCondition | PostConditionWire)[],
  mode: PostConditionModeName,
  origin: string,
): Verdict {
  const violations: string[] = [];
  const checkedFungible = new Map<string, Set<string>>();
  const checkedNft = new Map<string, Map<string, Set<string>>>();
  const mark = (principal: string, asset: string) =>
    checkedFungible.set(principal, (checkedFungible.get(principal) ?? new Set()).add(asset));

  for (const pc of postConditions.map(toWire)) {
    const principal = postConditionPrincipal(pc.principal, origin);
    switch (pc.conditionType) {
      case PostConditionType.STX: {
        const transferred = assets.sent(principal, STX);
        const burned = assets.sent(principal, STX_BURNED);
        if (!fungibleHolds(pc.conditionCode, pc.amount, transferred + burned)) {
          violations.push(`Post-condition check failure on STX owned by ${principal}: ${pc.amount} ${codeName(pc.conditionCode)} ${transferred + burned}`);
        }
        // as the node: the condition covers the STX kinds it saw move
        if (transferred > 0n) mark(principal, STX);
        if (burned > 0n) mark(principal, STX_BURNED);
        break;
      }
      case PostConditionType.Fungible: {
        const asset = assetId(pc.asset);
        const sent = assets.sent(principal, asset);
        if (!fungibleHolds(pc.conditionCode, pc.amount, sent)) {
          violations.push(`Post-condition check failure on fungible asset ${asset} owned by ${principal}: ${pc.amount} ${codeName(pc.conditionCode)} ${sent}`);
        }
        mark(principal, asset);
        break;
      }
      case PostConditionType.NonFungible: {
        const asset = assetId(pc.asset);
        const value = serializeCV(pc.assetName).replace(/^0x/, '');
        const sent = assets.nftsSent(principal, asset);
        if (!nftHolds(pc.conditionCode, sent.includes(value))) {
          violations.push(`Post-condition check failure on non-fungible asset ${asset} owned by ${principal}: 0x${value} ${codeName(pc.conditionCode)}`);
        }
        const byAsset = checkedNft.get(principal) ?? new Map<string, Set<string>>();
        byAsset.set(asset, (byAsset.get(asset) ?? new Set()).add(value));
        checkedNft.set(principal, byAsset);
        break;
      }
      default:
        // staking and PoX post-conditions need Stacks 4.0; the mempool refuses them
        violations.push(`post-condition type ${pc.conditionType} is not supported`);
    }
  }

  // Deny mode: every asset anyone moved must be named by a post-condition.
  for (const { principal, asset, nfts } of assets.entries()) {
    const enforced = mode === 'deny' || (mode === 'originator' && principal === origin);
    if (!enforced) continue;
    if (nfts === null) {
      if (!checkedFungible.get(principal)?.has(asset)) {
        violations.push(`Post-condition check failure: Fungible asset ${asset} was moved by ${principal} but not checked`);
      }
      continue;
    }
    const covered = checkedNft.get(principal)?.get(asset);
    for (const unchecked of nfts.filter((v) => !covered?.has(v))) {
      violations.push(`Post-condition check failure: Non-fungible asset ${asset} value 0x${unchecked} was moved by ${principal} but not checked`);
    }
  }
  const [first] = violations;
  return first === undefined ? { ok: true, violations: [] } : { ok: false, reason: first, violations };
}

/** `<contract address>.<contract name>::<asset name>`, the API's asset id. */
export function assetId(asset: AssetWire): string {
  return `${addressToString(asset.address)}.${asset.contractName.content}::${asset.assetName.content}`;
}

export function postConditionPrincipal(p: PostConditionPrincipalWire, origin: string): string {
  switch (p.prefix) {
    case PostConditionPrincipalId.Origin: return origin;
    case PostConditionPrincipalId.Standard: return addressToString(p.address);
    case PostConditionPrincipalId.Contract: return `${addressToString(p.address)}.${p.contractName.content}`;
  }
}

/** A builder's post-condition has a string `type`; its wire form has a numeric one. */
function toWire(pc: PostCondition | PostConditionWire): PostConditionWire {
  return typeof pc.type === 'string' ? postConditionToWire(pc as PostCondition) : (pc as PostConditionWire);
}

function fungibleHolds(code: FungibleConditionCode, bound: bigint, sent: bigint): boolean {
  switch (code) {
    case FungibleConditionCode.Equal: return sent === bound;
    case FungibleConditionCode.Greater: return sent > bound;
    case FungibleConditionCode.GreaterEqual: return sent >= bound;
    case FungibleConditionCode.Less: return sent < bound;
    case FungibleConditionCode.LessEqual: return sent <= bound;
    default: return false;
  }
}

function nftHolds(code: NonFungibleConditionCode, wasSent: boolean): boolean {
  switch (code) {
    case NonFungibleConditionCode.Sends: return wasSent;
    case NonFungibleConditionCode.DoesNotSend: return !wasSent;
    case NonFungibleConditionCode.MaybeSent: return true;
    default: return false;
  }
}

function codeName(code: FungibleConditionCode | NonFungibleConditionCode): string {
  return FungibleConditionCode[code as FungibleConditionCode] ?? NonFungibleConditionCode[code as NonFungibleConditionCode] ?? String(code);
}

function nftValueHex(data: ChainEvent['data']): string {
  if (typeof data.raw_value === 'string') return data.raw_value.replace(/^0x/, '');
  if (data.value !== undefined) return serializeCV(data.value).replace(/^0x/, '');
  return '';
}
