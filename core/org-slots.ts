/**
 * Per-org counts of work in progress on this node, for the quotas that keep one org from taking a
 * shared resource every org needs (issue 15 M6): concurrent searches, uploads being received.
 * `take` either reserves a slot at once or refuses: a refused caller is answered 429 straight
 * away, never queued behind the org's own flood. Counting is synchronous, so requests that arrive
 * together cannot all pass a check made before any of them counted.
 */
export class OrgSlots {
  private readonly used = new Map<string, number>();

  /** Slots of this org in use. */
  count(orgId: string): number {
    return this.used.get(orgId) ?? 0;
  }

  /**
   * Takes a slot when the org holds fewer than `limit` (counting `elsewhere`, work of the org
   * this node already counts in another place, such as its queued jobs); returns the release
   * function (idempotent), or undefined when the org is at its limit.
   */
  take(orgId: string, limit: number, elsewhere = 0): (() => void) | undefined {
    const n = this.count(orgId);
    if (n + elsewhere >= limit) return undefined;
    this.used.set(orgId, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = this.count(orgId) - 1;
      if (left > 0) this.used.set(orgId, left);
      else this.used.delete(orgId);
    };
  }
}
