/**
 * Where the tokens live.
 *
 * - The access token (short-lived JWT) is kept in memory only: page scripts of another origin
 *   never see it, and a reload gets a fresh one.
 * - The refresh token is an httpOnly, SameSite=Strict cookie scoped to /api/auth/refresh, set by
 *   the server on log-in and on every rotation: no script in the page can read it (an XSS cannot
 *   carry it away), and all the user's tabs share it. Two tabs refreshing at once present the
 *   same cookie; the server answers a just-rotated token for a few seconds
 *   (REFRESH_REUSE_GRACE_S), so that does not end the session.
 * The app cannot see whether the cookie exists: `mayRefresh` remembers whether trying is worth
 * it (false after a refusal or a log-out, true after a log-in).
 */
let accessToken: string | null = null;
let mayRefresh = true;
const listeners = new Set<() => void>();

export const tokens = {
  get access() {
    return accessToken;
  },
  /** Whether a refresh cookie may exist (a refused refresh or a log-out says it does not). */
  get mayRefresh() {
    return mayRefresh;
  },
  set(access: string | null) {
    accessToken = access;
    if (access) mayRefresh = true;
    for (const l of listeners) l();
  },
  clear() {
    accessToken = null;
    mayRefresh = false;
    for (const l of listeners) l();
  },
  /** Called when tokens are dropped (log-out, refresh refused): the session store listens. */
  onChange(listener: () => void) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};
