/**
 * Where the tokens live.
 *
 * - The access token (short-lived JWT) is kept in memory only: a reload gets a fresh one from
 *   the refresh token.
 * - The refresh token (opaque, rotated on every use) is kept in localStorage, so a session
 *   survives reloads and is shared by the user's tabs. Tabs coordinate through the storage:
 *   a tab always refreshes with the newest token another tab stored, and the server answers a
 *   just-rotated token for a few seconds (REFRESH_REUSE_GRACE_S), so two tabs refreshing at
 *   once do not end the session. The trade-off, accepted for a self-hosted app: script running
 *   in the page (XSS) could read it, exactly as it could read sessionStorage; the gateway
 *   detects reuse of a stolen, already-rotated token and ends the whole session.
 */
const REFRESH_KEY = "chatlens.refreshToken";

let accessToken: string | null = null;
const listeners = new Set<() => void>();

function storage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

export const tokens = {
  get access() {
    return accessToken;
  },
  get refresh(): string | null {
    return storage()?.getItem(REFRESH_KEY) ?? null;
  },
  set(access: string | null, refresh?: string | null) {
    accessToken = access;
    if (refresh !== undefined) {
      if (refresh) storage()?.setItem(REFRESH_KEY, refresh);
      else storage()?.removeItem(REFRESH_KEY);
    }
    for (const l of listeners) l();
  },
  clear() {
    this.set(null, null);
  },
  /** Called when tokens are dropped (log-out, refresh refused): the session store listens. */
  onChange(listener: () => void) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
