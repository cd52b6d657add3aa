import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * The two cookies of the auth flows.
 * - The refresh token, httpOnly (page scripts never see it), SameSite=Strict (no cross-site
 *   request carries it) and scoped to the refresh endpoint: every other request goes without it.
 *   The web app keeps only the short-lived access token, in memory. API clients may keep sending
 *   the refresh token in the JSON body (it is also still answered there).
 * - The OAuth browser binding: the callback gives the browser that completed the flow (the one
 *   holding grant's state cookie, i.e. the one that started it) an HMAC of the one-time code; the
 *   exchange refuses a code presented without it, so an attacker's code cannot log a victim's
 *   browser into the attacker's account (log-in CSRF).
 */
export const REFRESH_COOKIE = "chatlens_refresh";
export const REFRESH_COOKIE_PATH = "/api/auth/refresh";
export const OAUTH_BINDING_COOKIE = "chatlens_oauth";
export const OAUTH_BINDING_PATH = "/api/auth/login/oauth";

function serialise(
  name: string,
  value: string,
  o: { path: string; maxAgeS: number; secure: boolean; sameSite: "Strict" | "Lax" },
) {
  return [
    `${name}=${value}`,
    `Path=${o.path}`,
    `Max-Age=${o.maxAgeS}`,
    "HttpOnly",
    `SameSite=${o.sameSite}`,
    ...(o.secure ? ["Secure"] : []),
  ].join("; ");
}

export const refreshCookie = (token: string, maxAgeS: number, secure: boolean) =>
  serialise(REFRESH_COOKIE, token, { path: REFRESH_COOKIE_PATH, maxAgeS, secure, sameSite: "Strict" });

export const clearRefreshCookie = (secure: boolean) =>
  serialise(REFRESH_COOKIE, "", { path: REFRESH_COOKIE_PATH, maxAgeS: 0, secure, sameSite: "Strict" });

export const oauthBindingCookie = (value: string, maxAgeS: number, secure: boolean) =>
  serialise(OAUTH_BINDING_COOKIE, value, { path: OAUTH_BINDING_PATH, maxAgeS, secure, sameSite: "Lax" });

/** The HMAC a browser must hold (as the binding cookie) to exchange this one-time OAuth code. */
export const oauthBinding = (secret: string, code: string) =>
  createHmac("sha256", secret).update(`oauth-code:${code}`).digest("base64url");

export function bindingMatches(secret: string, code: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const want = Buffer.from(oauthBinding(secret, code));
  const got = Buffer.from(presented);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** Only the cookies the auth actions need, from a Cookie header; values are opaque tokens. */
export function readAuthCookies(header: string | undefined): { refresh?: string; oauthBinding?: string } {
  const out: { refresh?: string; oauthBinding?: string } = {};
  for (const part of String(header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!/^[A-Za-z0-9._~+/=-]{1,1024}$/.test(value)) continue;
    if (name === REFRESH_COOKIE) out.refresh = value;
    else if (name === OAUTH_BINDING_COOKIE) out.oauthBinding = value;
  }
  return out;
}
