/** A small JSON client for gateway tests: what a user's HTTP client would do. */
export interface JsonResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export async function http<T = any>(
  baseUrl: string,
  method: string,
  path: string,
  options: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.body !== undefined && !headers["content-type"]) headers["content-type"] = "application/json";
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const send = () =>
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
    res = await send();
  } catch (err) {
    // A pooled keep-alive connection can be reset as the request goes out on it; browsers then
    // send an idempotent request again on a new connection, and so does this client (once). A
    // server that is down refuses the new connection, so this hides no crash.
    if ((method !== "GET" && method !== "HEAD") || !isConnectionReset(err)) throw err;
    res = await send();
  }
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, headers: res.headers, body };
}

function isConnectionReset(err: unknown): boolean {
  const cause = (err as { cause?: { code?: string } }).cause;
  return cause?.code === "ECONNRESET" || cause?.code === "UND_ERR_SOCKET";
}
