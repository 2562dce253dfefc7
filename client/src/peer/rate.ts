// A token bucket: `perSecond` tokens a second, at most `burst` saved up. One per frame a
// peer sends; a peer that runs the bucket dry is flooding. Time is injected for tests.
export interface RateLimit {
  /** sustained frames per second */
  readonly perSecond: number;
  /** frames allowed at once after a quiet spell */
  readonly burst: number;
}

export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(private readonly limit: RateLimit, private readonly now: () => number = () => performance.now()) {
    if (!(limit.perSecond > 0) || !(limit.burst >= 1)) throw new RangeError('rate limit: perSecond > 0 and burst ≥ 1');
    this.tokens = limit.burst;
    this.at = now();
  }

  /** Take one token; false when none is left. */
  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((t - this.at) * this.limit.perSecond) / 1000);
    this.at = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
