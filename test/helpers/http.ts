/**
 * A small JSON client for gateway tests: what a user's HTTP client would do, typed from the
 * generated OpenAPI document (ui/src/lib/api/schema.d.ts, `npm run openapi`).
 *
 * `http(baseUrl, method, path, options)` takes the path as the test writes it (a literal or a
 * template string: `/api/datasets/${id}/conversations`, optionally with `?query`); the path must
 * match one the document declares and the method must be one it declares there, or the call does
 * not compile. The request body is typed from the operation's JSON request body and the response
 * `body` from its 2xx response; `error` is the API's error object (`body.error`), typed from the
 * operation's error response. Neither is checked against the status at compile time: a test reads
 * `body` after asserting a 2xx status and `error` after asserting an error status.
 *
 * `httpRaw` is the same client untyped, for tests that deliberately send what the document does
 * not declare (unknown paths or methods, hostile or malformed bodies, raw strings).
 */
import type { components, paths } from "../../ui/src/lib/api/schema.d.ts";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** A path of the document. */
export type ApiPath = keyof paths;

/** `/api/datasets/{datasetId}` → `/api/datasets/${string}`: what a request to that path matches. */
export type PathPattern<K extends string> = K extends `${infer Head}{${string}}${infer Tail}`
  ? `${Head}${string}${PathPattern<Tail>}`
  : K;

type Patterns = { [K in ApiPath]: PathPattern<K> };

/** What `http` accepts as a path: a declared path with its parameters filled in, and maybe a query. */
export type RequestPath = Patterns[ApiPath] | `${Patterns[ApiPath]}?${string}`;

type WithoutQuery<P extends string> = P extends `${infer Path}?${string}` ? Path : P;

type Matching<P extends string> = { [K in ApiPath]: P extends Patterns[K] ? K : never }[ApiPath];

/**
 * The most specific of the matching paths: `${string}` also matches `/`, so a request to
 * `/api/datasets/${id}/index` matches `/api/datasets/{datasetId}` too; of two matches, the one
 * whose pattern the other's includes wins.
 */
type MostSpecific<M extends ApiPath> = {
  [K in M]: [{ [L in Exclude<M, K>]: Patterns[L] extends Patterns[K] ? L : never }[Exclude<M, K>]] extends [never]
    ? K
    : never;
}[M];

/** The document's path that a request path resolves to. */
export type ResolvePath<P extends string> = MostSpecific<Matching<WithoutQuery<P>>>;

/** The methods the document declares on a path. */
export type MethodsOf<K extends ApiPath> = K extends ApiPath
  ? { [M in HttpMethod]: paths[K] extends { [L in Lowercase<M>]: object } ? M : never }[HttpMethod]
  : never;

/** The operation behind a method and a request path. */
export type Operation<M extends HttpMethod, P extends string> = paths[ResolvePath<P>][Lowercase<M> &
  keyof paths[ResolvePath<P>]];

type SuccessStatus = 200 | 201 | 202 | 203 | 204;
// JSON when the response has a JSON form (a table answers JSON or, by its `.csv` name, CSV).
type ContentOf<R> = R extends { content: infer C }
  ? C extends { "application/json": infer J }
    ? J
    : C[keyof C]
  : undefined;

/** The body of the operation's 2xx responses: its JSON, or the text of an operation that answers only text. */
export type SuccessBody<O> = O extends { responses: infer R }
  ? { [S in keyof R & SuccessStatus]: ContentOf<R[S]> }[keyof R & SuccessStatus]
  : never;

/** A schema of the document by name: `Schema<"ClusterRun">`. */
export type Schema<N extends keyof components["schemas"]> = components["schemas"][N];

/** The gateway's error object (the `error` of an error response's body). */
export type ApiError = components["schemas"]["Error"]["error"];

/** The `error` of the operation's error response (the gateway's, or the OpenAI-compatible one). */
export type ErrorOf<O> = O extends { responses: { default: { content: { "application/json": { error: infer E } } } } }
  ? E
  : ApiError;

interface CommonOptions {
  token?: string;
  headers?: Record<string, string>;
}

/** The body of an operation that takes no parameters: none, or an empty JSON object (what the web app sends). */
type NoParams = Record<string, never>;

/** The options of a call: `body` as the operation declares it (required, optional or none). */
export type OptionsOf<O> = O extends { requestBody: { content: { "application/json": infer B } } }
  ? CommonOptions & { body: B }
  : O extends { requestBody?: infer R }
    ? [NonNullable<R>] extends [never]
      ? CommonOptions & { body?: NoParams }
      : NonNullable<R> extends { content: { "application/json": infer B } }
        ? CommonOptions & { body?: B }
        : CommonOptions & { body?: NoParams }
    : CommonOptions & { body?: NoParams };

// (An unknown path resolves to no operation: the options are then optional, so that the error
// the call reports is the path's.)
type OptionsArgs<O> = [O] extends [never]
  ? [options?: CommonOptions]
  : undefined extends OptionsOf<O>["body"]
    ? [options?: OptionsOf<O>]
    : [options: OptionsOf<O>];

export interface JsonResponse<T, E = ApiError> {
  status: number;
  headers: Headers;
  body: T;
  /** `body.error`: present on an error response, undefined otherwise. */
  error: E;
}

/** The response of a typed call. */
export type ApiResponse<M extends HttpMethod, P extends string> = JsonResponse<
  SuccessBody<Operation<M, P>>,
  ErrorOf<Operation<M, P>>
>;

/** A call to the gateway, typed from the OpenAPI document (see the top of this file). */
export function http<P extends RequestPath, M extends MethodsOf<ResolvePath<P>>>(
  baseUrl: string,
  method: M,
  path: P,
  ...[options]: OptionsArgs<Operation<M, P>>
): Promise<ApiResponse<M, P>> {
  return send(baseUrl, method, path, options ?? {}) as Promise<ApiResponse<M, P>>;
}

/** The JSON request body of an operation (for one that declares none: nothing, or `{}`). */
export type RequestBody<M extends HttpMethod, P extends string> = OptionsOf<Operation<M, P>>["body"];

/**
 * `http` with the base URL bound (read at each call, so it can be given before the platform
 * starts) and the token, body and headers as positional arguments: `call("GET", "/api/auth/me",
 * token)`, for tests that make many authenticated calls.
 */
export function caller(baseUrl: () => string) {
  return <P extends RequestPath, M extends MethodsOf<ResolvePath<P>>>(
    method: M,
    path: P,
    token?: string,
    body?: RequestBody<M, P>,
    headers?: Record<string, string>,
  ): Promise<ApiResponse<M, P>> =>
    send(baseUrl(), method, path, { token, body, headers }) as Promise<ApiResponse<M, P>>;
}

export interface RawOptions extends CommonOptions {
  /** Sent as JSON, or as it is when a string. */
  body?: unknown;
}

/**
 * The untyped escape hatch: any method, any path, any body. Only for requests the document does
 * not declare on purpose (hostile input, unknown routes, malformed bodies, table-driven walks).
 * The answer's body is `unknown`; `error` is the gateway's error object of an error answer.
 */
export function httpRaw(
  baseUrl: string,
  method: string,
  path: string,
  options: RawOptions = {},
): Promise<JsonResponse<unknown>> {
  return send(baseUrl, method, path, options) as Promise<JsonResponse<unknown>>;
}

async function send(
  baseUrl: string,
  method: string,
  path: string,
  options: RawOptions,
): Promise<JsonResponse<unknown, unknown>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined && !headers["content-type"]) headers["content-type"] = "application/json";
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const request = () =>
    fetch(baseUrl + path, {
      method,
      headers,
      body:
        options.body === undefined
          ? undefined
          : typeof options.body === "string"
            ? options.body
            : JSON.stringify(options.body),
    });
  let res: Response;
  try {
    res = await request();
  } catch (err) {
    // A pooled keep-alive connection can be reset as the request goes out on it; browsers then
    // send an idempotent request again on a new connection, and so does this client (once). A
    // server that is down refuses the new connection, so this hides no crash.
    if ((method !== "GET" && method !== "HEAD") || !isConnectionReset(err)) throw err;
    res = await request();
  }
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  const error = body !== null && typeof body === "object" ? (body as { error?: unknown }).error : undefined;
  return { status: res.status, headers: res.headers, body, error };
}

function isConnectionReset(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string } }).cause;
  return cause?.code === "ECONNRESET" || cause?.code === "UND_ERR_SOCKET";
}
