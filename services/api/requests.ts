import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context } from "moleculer";
import { ClientError } from "../../core/errors.ts";
import { checkAccess, type AuthInfo, type CallMeta } from "../../core/permissions.ts";
import { readAuthCookies } from "../auth/cookies.ts";

/**
 * What the gateway does with each HTTP request before and around the action call: who the
 * caller is, whether it may call, what the call's context carries, and the web app's pages.
 * moleculer-web calls these through the service's methods (api.service.ts).
 */

export type Req = IncomingMessage & {
  $ctx?: Context<unknown, CallMeta>;
  /** The alias's action, as moleculer-web resolved it. */
  $action?: { auth?: "public" | "user"; permissions?: never[] };
  originalUrl?: string;
  headers: Record<string, string | string[] | undefined>;
};

/** Client-chosen request ids are echoed in logs and headers: accept only harmless ones. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Drops client-sent request and correlation ids that are not harmless, before anything reads them. */
export function dropUnsafeRequestIds(req: Req): void {
  for (const header of ["x-request-id", "x-correlation-id"])
    if (req.headers[header] !== undefined && !SAFE_REQUEST_ID.test(String(req.headers[header])))
      delete req.headers[header];
}

/** A bearer token (access JWT or API key) resolved to the caller by `resolve`; no header = anonymous. */
export async function authenticate(req: Req, resolve: (token: string) => Promise<AuthInfo>): Promise<AuthInfo | null> {
  const header = req.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(String(header));
  if (!match) throw new ClientError("UNAUTHORIZED", "Authorization header must be 'Bearer <token>'");
  return resolve(match[1]!);
}

/**
 * moleculer-web stores what authenticate() returned as meta.user; services read meta.auth.
 * Whether the caller may run the action is decided by the permissions middleware; it is also
 * checked here, before the call: the broker's validator and cacher wrap that middleware, so
 * otherwise an anonymous caller would get validation errors (or cached answers) first.
 */
export function authorize(meta: CallMeta & { user?: AuthInfo | null }, req: Req): void {
  if (meta.user) meta.auth = meta.user;
  delete meta.user;
  if (req.$action) checkAccess({ auth: req.$action.auth, permissions: req.$action.permissions }, meta);
}

/** Stamps the caller's address and user agent into the call's meta, and the auth cookies where they are read. */
export function prepareContext(meta: CallMeta, req: Req, trustProxy: boolean): void {
  meta.ip = clientAddress(req, trustProxy);
  meta.userAgent = String(req.headers["user-agent"] ?? "").slice(0, 300);
  // Only the auth endpoints that read a cookie get it; it never travels with other calls.
  if (/^\/api\/auth\/(refresh|login\/oauth)(\?|$)/.test(urlOf(req))) {
    const cookies = readAuthCookies(req.headers.cookie as string | undefined);
    if (cookies.refresh || cookies.oauthBinding) meta.cookies = cookies;
  }
}

/** The peer address, or the first X-Forwarded-For hop only when the proxy is trusted. */
export function clientAddress(req: Req, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = String(req.headers["x-forwarded-for"] ?? "")
      .split(",")[0]
      ?.trim();
    if (forwarded) return forwarded;
  }
  return req.socket.remoteAddress ?? "";
}

/**
 * The web app routes on the client: a page path that is neither an API route nor a static file
 * gets index.html, so deep links and reloads work. False when `req` is not such a page (or the
 * web app is not built): the gateway's usual 404 answers then.
 */
export function serveAppPage(req: Req, res: ServerResponse, uiDir: string): boolean {
  const isPage = (req.method === "GET" || req.method === "HEAD") && !/^\/(api|v1)(\/|$|\?)/.test(urlOf(req));
  const index = path.join(uiDir, "index.html");
  if (!isPage || !existsSync(index)) return false;
  res.statusCode = 200;
  res.setHeader("Content-Type", "text/html; charset=utf-8");
  res.setHeader("Cache-Control", "no-cache");
  res.end(req.method === "HEAD" ? undefined : readFileSync(index));
  return true;
}

const urlOf = (req: Req) => req.originalUrl ?? req.url ?? "";
