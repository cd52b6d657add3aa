import doc from "./openapi.json";
import { authFetch } from "./client";
import { toApiError } from "./errors";

type Method = "get" | "post" | "put" | "patch" | "delete";
const paths = doc.paths as Record<string, Partial<Record<Method, unknown>>>;

/**
 * Whether the server's OpenAPI document (as exported into this build) has an endpoint.
 * Pages whose backend is still being built show what they will do instead of failing.
 */
export function hasEndpoint(method: Method, path: string): boolean {
  return !!paths[path]?.[method];
}

/**
 * A call to an endpoint that the services declare but the generated client did not know
 * when this page was written. Refuses anything absent from openapi.json, so it never reaches
 * an endpoint the document does not describe; typed calls replace it as paths appear.
 */
export async function callDocumented<T>(
  method: Method,
  path: string,
  options: { path?: Record<string, string>; query?: Record<string, string | number | boolean | undefined>; body?: unknown } = {},
): Promise<T> {
  if (!hasEndpoint(method, path)) throw toApiError({ error: { code: "SERVICE_UNAVAILABLE", message: `${path} is not available` } }, 404);
  let url = path.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(options.path?.[k] ?? ""));
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined && v !== "") q.set(k, String(v));
  if ([...q].length) url += `?${q}`;
  const init: RequestInit = { method: method.toUpperCase() };
  if (options.body !== undefined) {
    init.body = JSON.stringify(options.body);
    init.headers = { "content-type": "application/json" };
  }
  const res = await authFetch(new Request(new URL(url, location.origin), init));
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  if (!res.ok) throw toApiError(body, res.status);
  return body as T;
}
