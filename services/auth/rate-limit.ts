import type { Redis } from "ioredis";

/**
 * Fixed-window counters of failed log-ins. One store per process when embedded; Redis when
 * the cluster shares one, so that spreading attempts over nodes gains nothing.
 */
export interface RateLimitStore {
  /** Adds one to `key` and returns the new count; the window starts with the first hit. */
  hit(key: string, windowS: number): Promise<number>;
  count(key: string): Promise<number>;
  reset(key: string): Promise<void>;
  close(): Promise<void>;
}

export class MemoryRateLimitStore implements RateLimitStore {
  private readonly counters = new Map<string, { n: number; until: number }>();

  private live(key: string, now: number) {
    const c = this.counters.get(key);
    if (c && c.until <= now) {
      this.counters.delete(key);
      return undefined;
    }
    return c;
  }

  async hit(key: string, windowS: number): Promise<number> {
    const now = Date.now();
    const c = this.live(key, now) ?? { n: 0, until: now + windowS * 1000 };
    c.n += 1;
    this.counters.set(key, c);
    if (this.counters.size > 100_000) this.sweep(now);
    return c.n;
  }

  async count(key: string): Promise<number> {
    return this.live(key, Date.now())?.n ?? 0;
  }

  async reset(key: string): Promise<void> {
    this.counters.delete(key);
  }

  async close(): Promise<void> {
    this.counters.clear();
  }

  private sweep(now: number) {
    for (const [k, c] of this.counters) if (c.until <= now) this.counters.delete(k);
  }
}

export class RedisRateLimitStore implements RateLimitStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async hit(key: string, windowS: number): Promise<number> {
    const k = this.prefix + key;
    // INCR and the first EXPIRE in one transaction: a crash in between cannot leave a counter that never expires.
    const results = await this.redis.multi().incr(k).expire(k, windowS, "NX").exec();
    return Number(results?.[0]?.[1] ?? 0);
  }

  async count(key: string): Promise<number> {
    return Number((await this.redis.get(this.prefix + key)) ?? 0);
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.prefix + key);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => undefined);
  }
}

/**
 * Redis first, this node's memory while Redis cannot answer: log-ins keep working during a
 * Redis outage and are still limited (per node instead of cluster-wide) rather than refused
 * with a server error or let through unlimited.
 */
export class FallbackRateLimitStore implements RateLimitStore {
  private readonly local = new MemoryRateLimitStore();

  constructor(
    private readonly primary: RateLimitStore,
    private readonly onFallback: (err: unknown) => void = () => {},
  ) {}

  private async either<T>(op: (store: RateLimitStore) => Promise<T>): Promise<T> {
    try {
      return await op(this.primary);
    } catch (err) {
      this.onFallback(err);
      return op(this.local);
    }
  }

  hit(key: string, windowS: number) {
    return this.either((s) => s.hit(key, windowS));
  }

  count(key: string) {
    return this.either((s) => s.count(key));
  }

  reset(key: string) {
    return this.either((s) => s.reset(key));
  }

  async close(): Promise<void> {
    await Promise.all([this.primary.close(), this.local.close()]);
  }
}

export interface LoginLimiterSettings {
  limit: number;
  windowS: number;
}

/**
 * Failed log-ins counted per client address and per account-and-address; either reaching the
 * limit blocks. There is deliberately no per-account counter across addresses: it would let
 * anyone lock the owner out by guessing wrong from elsewhere. Guessing one account from many
 * addresses is bounded by the per-address limit of each and by the password hash's cost.
 */
export class LoginLimiter {
  constructor(
    private readonly store: RateLimitStore,
    private readonly s: LoginLimiterSettings,
  ) {}

  private keys(email: string, ip: string) {
    const addr = ip || "unknown";
    return [`login:ip:${addr}`, `login:acct-ip:${email.trim().toLowerCase()}|${addr}`];
  }

  /** Whether the address, or this account from this address, has used up its failed attempts. */
  async blocked(email: string, ip: string): Promise<boolean> {
    const counts = await Promise.all(this.keys(email, ip).map((k) => this.store.count(k)));
    return counts.some((n) => n >= this.s.limit);
  }

  async failed(email: string, ip: string): Promise<void> {
    await Promise.all(this.keys(email, ip).map((k) => this.store.hit(k, this.s.windowS)));
  }

  /** A successful log-in clears the account-and-address counter (the address keeps its own). */
  async succeeded(email: string, ip: string): Promise<void> {
    await this.store.reset(this.keys(email, ip)[1]!);
  }

  get windowS() {
    return this.s.windowS;
  }
}

/**
 * Every other place a secret is checked (MFA and recovery codes, the current password,
 * invitation tokens, password-reset and verification mail): wrong answers counted per subject
 * (usually the user) and per client address, under their own key space.
 */
export class CredentialLimiter {
  constructor(
    private readonly store: RateLimitStore,
    private readonly s: LoginLimiterSettings,
  ) {}

  private keys(kind: string, subject: string, ip: string) {
    return [`cred:${kind}:${subject}`, `cred:${kind}:ip:${ip || "unknown"}`];
  }

  async blocked(kind: string, subject: string, ip: string): Promise<boolean> {
    const counts = await Promise.all(this.keys(kind, subject, ip).map((k) => this.store.count(k)));
    return counts.some((n) => n >= this.s.limit);
  }

  async failed(kind: string, subject: string, ip: string): Promise<void> {
    await Promise.all(this.keys(kind, subject, ip).map((k) => this.store.hit(k, this.s.windowS)));
  }
}
