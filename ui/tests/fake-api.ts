import { afterEach, beforeEach, vi } from "vitest";

export const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

export interface FakeRequest {
  method: string;
  path: string;
  /** The query string's parameters. */
  query: URLSearchParams;
  body: unknown;
}

export interface FakeApi {
  /** Requests the component made (method, path, JSON body), in order. */
  requests: { method: string; path: string; body: unknown }[];
  /** The canned answer a request gets (one for all, or chosen by its method and path). */
  answer: (req: FakeRequest) => Response;
}

/**
 * Replaces fetch for each test of the calling file: components call the API through the real
 * client, and the test reads what they asked and decides what they get.
 */
export function fakeApi(): FakeApi {
  const api: FakeApi = { requests: [], answer: () => json(200, {}) };
  beforeEach(() => {
    api.requests = [];
    localStorage.clear();
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
        const req = input instanceof Request ? input : new Request(new URL(String(input), "http://localhost"), init);
        // No one is signed in: the client's refresh-cookie exchange is refused, as a server without
        // a session refuses it. It is the client's request, not the component's: it is not listed.
        if (new URL(req.url).pathname === "/api/auth/refresh")
          return json(401, { error: { code: "UNAUTHORIZED", message: "No session" } });
        const text = await req.text();
        const url = new URL(req.url);
        const seen = { method: req.method, path: url.pathname, body: text ? JSON.parse(text) : null };
        api.requests.push(seen);
        return api.answer({ ...seen, query: url.searchParams });
      }),
    );
  });
  afterEach(() => vi.unstubAllGlobals());
  return api;
}
