import createClient from "openapi-fetch";
import { ApiError, isErrorBody, toApiError } from "./errors";
import type { paths } from "./schema";
import { tokens } from "./tokens";

/** Paths of the generated OpenAPI document: a call to anything else does not compile. */
export type ApiPath = keyof paths;

const baseUrl = typeof location === "undefined" ? "http://localhost" : location.origin;

/**
 * The refresh goes without the access token and without authFetch's retry (it is what that
 * retry calls): a client of its own, typed by the same document.
 */
const plain = createClient<paths>({ baseUrl, fetch: (request) => fetch(request) });

let refreshing: Promise<string | null> | null = null;

/**
 * Exchanges the refresh cookie (httpOnly: the browser sends it, the page never sees it) for a
 * new access token. Concurrent callers share one request (one rotation per expiry, however
 * many requests hit the expired token at once). Resolves null when the session cannot be
 * refreshed; the tokens are then cleared.
 */
export function refreshAccess(): Promise<string | null> {
  refreshing ??= (async () => {
    if (!tokens.mayRefresh) return null;
    try {
      const { data, response } = await plain.POST("/api/auth/refresh", { body: {}, credentials: "same-origin" });
      if (!data) {
        // A network-level or server failure keeps the refresh token for a later try; a refusal ends the session.
        if (response.status >= 400 && response.status < 500) tokens.clear();
        return null;
      }
      tokens.set(data.accessToken);
      return data.accessToken;
    } catch {
      return null;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** An access token that is present (refreshing first when the page has none yet). */
export async function currentAccessToken(): Promise<string | null> {
  return tokens.access ?? (tokens.mayRefresh ? refreshAccess() : null);
}

function withAuth(request: Request, token: string | null): Request {
  if (!token) return request;
  const headers = new Headers(request.headers);
  headers.set("authorization", `Bearer ${token}`);
  return new Request(request, { headers });
}

async function errorCode(res: Response): Promise<string | undefined> {
  try {
    const body: unknown = await res.clone().json();
    return isErrorBody(body) ? body.error.code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * fetch with the access token attached. On 401 TOKEN_EXPIRED it refreshes once (sharing a
 * refresh already under way) and retries the request with the new token.
 */
export async function authFetch(request: Request): Promise<Response> {
  const retry = request.clone();
  const used = await currentAccessToken();
  const res = await fetch(withAuth(request, used));
  if (res.status !== 401 || !used) return res;
  const code = await errorCode(res);
  // An ended session (revoked elsewhere, password changed, account disabled) is not refreshed:
  // the tokens go, and the app sends the user to log in and back to this page.
  if (code === "SESSION_REVOKED" || code === "ACCOUNT_DISABLED" || code === "TOKEN_REUSED") {
    tokens.clear();
    return res;
  }
  if (code !== "TOKEN_EXPIRED" && code !== "TOKEN_INVALID") return res;
  // Another request may have refreshed while this one was in flight.
  const fresh = tokens.access && tokens.access !== used ? tokens.access : await refreshAccess();
  if (!fresh) return res;
  return fetch(withAuth(retry, fresh));
}

export const api = createClient<paths>({ baseUrl, fetch: authFetch });

/** What an openapi-fetch call resolves to: its data on success, its error body otherwise. */
interface FetchResult {
  data?: unknown;
  error?: unknown;
  response: Response;
}

/**
 * The success body of an openapi-fetch result: the `data` of the union member without an
 * error, i.e. the path's documented success response (typed by the generated schema).
 */
export type Answer<R> = R extends { data: infer D; error?: never } ? D : never;

/**
 * Awaits an openapi-fetch call and returns its data, or throws an ApiError. The answer's type
 * is the operation's documented success response: callers name no type.
 */
export async function call<R extends FetchResult>(request: Promise<R>): Promise<Answer<R>> {
  let result: R;
  try {
    result = await request;
  } catch (err) {
    throw toApiError(err);
  }
  if (result.error !== undefined || !result.response.ok) throw toApiError(result.error, result.response.status);
  // The one place an answer's type is stated: Answer<R> is the success member of the very
  // result openapi-fetch typed from the schema (TypeScript cannot narrow a generic union here).
  return result.data as Answer<R>;
}

export { ApiError };
