/** Token-bucket rate limits and daily quotas per client. Time is passed in (milliseconds) for testability. */
import type { ClientPolicy } from './policy.js';

export class TokenBucket {
  private level: number;
  private last: number;
  constructor(
    readonly capacity: number,
    /** Tokens added per millisecond. */
    readonly rate: number,
    now: number,
  ) {
    this.level = capacity;
    this.last = now;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.level = Math.min(this.capacity, this.level + (now - this.last) * this.rate);
      this.last = now;
    }
  }

  /** Takes `n` tokens and returns 0, or returns the milliseconds until `n` are available (taking nothing). */
  take(n: number, now: number): number {
    this.refill(now);
    if (this.level >= n) {
      this.level -= n;
      return 0;
    }
    const need = Math.min(n, this.capacity) - this.level;
    return Math.max(1, Math.ceil(need / this.rate));
  }
}

export type LimitReason = 'requests-per-minute' | 'tokens-per-minute' | 'requests-per-day' | 'tokens-per-day';

export interface LimitVerdict {
  ok: boolean;
  reason?: LimitReason;
  retryAfterS?: number;
}

const DAY = 86_400_000;

interface State {
  requests?: TokenBucket;
  tokens?: TokenBucket;
  day: number;
  dayRequests: number;
  dayTokens: number;
}

export class ClientLimiter {
  private readonly state = new Map<string, State>();

  private get(c: ClientPolicy, now: number): State {
    let s = this.state.get(c.id);
    if (!s) {
      s = { day: Math.floor(now / DAY), dayRequests: 0, dayTokens: 0 };
      if (c.rateLimit) {
        s.requests = new TokenBucket(c.rateLimit.burst, c.rateLimit.perMinute / 60_000, now);
        if (c.rateLimit.tokensPerMinute)
          s.tokens = new TokenBucket(c.rateLimit.tokensPerMinute, c.rateLimit.tokensPerMinute / 60_000, now);
      }
      this.state.set(c.id, s);
    }
    const day = Math.floor(now / DAY);
    if (day !== s.day) {
      s.day = day;
      s.dayRequests = 0;
      s.dayTokens = 0;
    }
    return s;
  }

  private untilTomorrow(now: number): number {
    return Math.ceil(((Math.floor(now / DAY) + 1) * DAY - now) / 1000);
  }

  /** Counts one request (before its body is read). */
  admitRequest(c: ClientPolicy, now: number): LimitVerdict {
    const s = this.get(c, now);
    if (c.quota?.perDay !== undefined && s.dayRequests >= c.quota.perDay)
      return { ok: false, reason: 'requests-per-day', retryAfterS: this.untilTomorrow(now) };
    if (s.requests) {
      const wait = s.requests.take(1, now);
      if (wait > 0) return { ok: false, reason: 'requests-per-minute', retryAfterS: Math.ceil(wait / 1000) };
    }
    s.dayRequests++;
    return { ok: true };
  }

  /** Counts the (approximate) tokens of a request's prompt. */
  admitTokens(c: ClientPolicy, tokens: number, now: number): LimitVerdict {
    const s = this.get(c, now);
    if (c.quota?.tokensPerDay !== undefined && s.dayTokens + tokens > c.quota.tokensPerDay)
      return { ok: false, reason: 'tokens-per-day', retryAfterS: this.untilTomorrow(now) };
    if (s.tokens) {
      const wait = s.tokens.take(tokens, now);
      if (wait > 0) return { ok: false, reason: 'tokens-per-minute', retryAfterS: Math.ceil(wait / 1000) };
    }
    s.dayTokens += tokens;
    return { ok: true };
  }
}
