// Per-client token bucket (QPS is a service parameter). In-memory per process: with N processes
// the effective limit is N x; put a shared limiter in front for strict multi-instance limits.

export interface RateLimiter {
  /** True when the client may proceed; consumes `cost` tokens (default 1). */
  take(client: string, now: number, cost?: number): boolean;
}

export function tokenBucket(perSecond: number, burst: number, maxClients = 100_000): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(client, now, cost = 1) {
      let b = buckets.get(client);
      if (!b) {
        // Bound memory under address-spoofing floods: drop the oldest entries.
        if (buckets.size >= maxClients) {
          const first = buckets.keys().next();
          if (!first.done) buckets.delete(first.value);
        }
        b = { tokens: burst, at: now };
        buckets.set(client, b);
      }
      // A clock that steps backwards (NTP) must not drain the bucket.
      const elapsed = Math.max(0, now - b.at);
      b.tokens = Math.min(burst, b.tokens + (elapsed / 1000) * perSecond);
      b.at = Math.max(b.at, now);
      if (b.tokens < cost) return false;
      b.tokens -= cost;
      return true;
    },
  };
}

/**
 * Failed verifications per client, with exponential backoff: after `free` failures within
 * `windowMs` the client waits baseMs, then twice as long after each further failure (at most
 * maxMs). Complements the per-(subject, device key) lockout, which a stranger's failures never
 * reach: this one slows the stranger down instead.
 */
export class FailureBackoff {
  private readonly clients = new Map<string, { n: number; first: number; until: number }>();

  constructor(
    private readonly o: { free: number; windowMs: number; baseMs: number; maxMs: number },
    private readonly maxClients = 100_000,
  ) {}

  /** Epoch ms until which the client is held back (0: not held). */
  blockedUntil(client: string, now: number): number {
    const e = this.clients.get(client);
    if (!e) return 0;
    if (now - e.first > this.o.windowMs && now >= e.until) {
      this.clients.delete(client);
      return 0;
    }
    return e.until > now ? e.until : 0;
  }

  fail(client: string, now: number): void {
    let e = this.clients.get(client);
    if (!e || (now - e.first > this.o.windowMs && now >= e.until)) {
      if (!e && this.clients.size >= this.maxClients) {
        const first = this.clients.keys().next();
        if (!first.done) this.clients.delete(first.value);
      }
      e = { n: 0, first: now, until: 0 };
      this.clients.set(client, e);
    }
    e.n += 1;
    const over = e.n - this.o.free;
    if (over >= 0) {
      e.until = now + Math.min(this.o.maxMs, this.o.baseMs * 2 ** Math.min(over, 30));
    }
  }
}
