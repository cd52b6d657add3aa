import type { TenantAuthInfo } from "../../mixins/tenant.mixin.ts";

/**
 * The short-lived cache of resolved access tokens (session, org → who is calling), so the
 * gateway's check on every request is not a database round trip. It owns its invalidation:
 * ended sessions are dropped here and announced to the other auth nodes (`sessionsEnded`);
 * a change of what a member may do (role, membership, MFA, org policy, account state) drops
 * every entry (`accessChanged`). Nothing else touches the entries.
 */
export class CredentialCache {
  private readonly entries = new Map<string, { until: number; info: TenantAuthInfo }>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
    /** Tells the other nodes (their caches call `forget`); set once the broker is there. */
    private readonly announce: (sessionIds: string[]) => void,
  ) {}

  private static key(sessionId: string, orgId: string | null) {
    return `${sessionId}:${orgId ?? ""}`;
  }

  get(sessionId: string, orgId: string | null, userId: string): TenantAuthInfo | undefined {
    const hit = this.entries.get(CredentialCache.key(sessionId, orgId));
    return hit && hit.until > this.now() && hit.info.userId === userId ? hit.info : undefined;
  }

  set(sessionId: string, orgId: string | null, info: TenantAuthInfo): void {
    if (this.ttlMs > 0)
      this.entries.set(CredentialCache.key(sessionId, orgId), { until: this.now() + this.ttlMs, info });
  }

  /** Sessions ended on this node: dropped here and announced to the others. */
  sessionsEnded(sessionIds: string[]): void {
    this.forget(sessionIds);
    this.announce(sessionIds);
  }

  /** Sessions ended (here or on another node): their entries go. */
  forget(sessionIds: string[]): void {
    if (!sessionIds.length) return;
    const ids = new Set(sessionIds);
    for (const key of this.entries.keys()) if (ids.has(key.split(":")[0]!)) this.entries.delete(key);
  }

  /** What some member may do changed: no cached answer survives. */
  accessChanged(): void {
    this.entries.clear();
  }
}

/** Last-seen is written at most once a minute per session: no write on every request. */
export class LastSeenThrottle {
  private readonly written = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  /** Whether this session's last-seen is due for a write (and counts it as written). */
  due(sessionId: string): boolean {
    const now = this.now();
    if ((this.written.get(sessionId) ?? 0) > now - 60_000) return false;
    this.written.set(sessionId, now);
    if (this.written.size > 50_000) this.written.clear();
    return true;
  }
}
