import { LRUCache } from 'lru-cache';
import { InvalidArgumentError } from '../core/errors.js';
import { HttpError } from './http-errors.js';

export interface RateLimitOptions {
  /** Sustained requests per second per principal. */
  perSecond: number;
  /** Requests a principal may send at once after being idle. Default perSecond. */
  burst?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per principal: `burst` requests at once, refilled at `perSecond`. Written here
 * because @fastify/rate-limit counts fixed windows (a client may send twice the limit across a window
 * edge) and this is twenty lines. Buckets live in an LRU so many distinct callers cannot grow memory.
 */
export class TokenBuckets {
  private readonly buckets = new LRUCache<string, Bucket>({ max: 100_000 });
  private readonly rate: number;
  private readonly burst: number;

  constructor(options: RateLimitOptions, private readonly now: () => number = () => performance.now(), field = 'rateLimit') {
    if (typeof options?.perSecond !== 'number' || !(options.perSecond > 0) || !Number.isFinite(options.perSecond)) {
      throw new InvalidArgumentError(`Invalid ${field}.perSecond: ${JSON.stringify(options?.perSecond)} must be a positive number`);
    }
    const burst = options.burst ?? Math.max(1, options.perSecond);
    if (typeof burst !== 'number' || !(burst >= 1) || !Number.isFinite(burst)) throw new InvalidArgumentError(`Invalid ${field}.burst: ${JSON.stringify(options.burst)} must be a number >= 1`);
    this.rate = options.perSecond / 1000;
    this.burst = burst;
  }

  /** Takes one token for `key` or answers 429 with Retry-After (whole seconds, at least 1). */
  take(key: string, what = 'requests'): void {
    const b = this.check(key, what);
    b.tokens -= 1;
    this.buckets.set(key, b);
  }

  /** Answers 429 when `key` has no token left, without taking one; returns its refilled bucket. */
  check(key: string, what = 'requests'): Bucket {
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + (now - b.at) * this.rate);
    b.at = now;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      const waitMs = (1 - b.tokens) / this.rate;
      throw new HttpError(429, 'REQUEST_LIMIT_EXCEEDED', `Rate limit exceeded for ${key}: at most ${this.rate * 1000} ${what}/s (burst ${this.burst})`, {
        'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))),
      });
    }
    return b;
  }

  /** Takes a token for `key` when one is left, never answering 429 itself (counts failures). */
  charge(key: string): void {
    try {
      this.take(key);
    } catch {
      // Already empty: the next check answers 429.
    }
  }
}
