// Per-client token bucket (QPS is a service parameter). In-memory per process: with N processes
// the effective limit is N x; put a shared limiter in front for strict multi-instance limits.

export interface RateLimiter {
  /** True when the client may proceed; consumes one token. */
  take(client: string, now: number): boolean;
}

export function tokenBucket(perSecond: number, burst: number, maxClients = 100_000): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(client, now) {
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
      if (b.tokens < 1) return false;
      b.tokens -= 1;
      return true;
    },
  };
}
