import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { authFetch, refreshAccess } from "../../src/lib/api/client";
import { tokens } from "../../src/lib/api/tokens";

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/**
 * The refresh token is an httpOnly cookie: the browser sends it, the app never sees it. The
 * fake server here stands in for the browser's cookie jar with `cookieValid`.
 */
describe("authFetch: transparent refresh through the httpOnly refresh cookie", () => {
  let refreshCalls = 0;
  let valid = "access-2";
  let cookieValid = true;
  let refreshBodies: string[] = [];

  beforeEach(() => {
    refreshCalls = 0;
    valid = "access-2";
    cookieValid = true;
    refreshBodies = [];
    localStorage.clear();
    tokens.set("access-1");
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
        const req = input instanceof Request ? input : new Request(new URL(String(input), "http://localhost"), init);
        if (new URL(req.url).pathname === "/api/auth/refresh") {
          refreshCalls++;
          refreshBodies.push(await req.text());
          await new Promise((r) => setTimeout(r, 20));
          if (!cookieValid) return json(401, { error: { code: "TOKEN_REUSED", message: "reused" } });
          return json(200, { accessToken: valid, refreshToken: "refresh-2" });
        }
        const auth = req.headers.get("authorization");
        if (auth !== `Bearer ${valid}`)
          return json(401, { error: { code: "TOKEN_EXPIRED", message: "Access token expired" } });
        return json(200, {
          ok: true,
          path: new URL(req.url).pathname,
          body: req.method === "POST" ? await req.text() : null,
        });
      }),
    );
  });
  afterEach(() => vi.unstubAllGlobals());

  it("refreshes once for concurrent expired requests and retries each, body included; nothing goes to storage", async () => {
    const results = await Promise.all([
      authFetch(new Request("http://localhost/api/a")),
      authFetch(new Request("http://localhost/api/b")),
      authFetch(
        new Request("http://localhost/api/c", {
          method: "POST",
          body: '{"x":1}',
          headers: { "content-type": "application/json" },
        }),
      ),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(refreshCalls).toBe(1);
    expect((await results[2]!.json()).body).toBe('{"x":1}');
    expect(tokens.access).toBe("access-2");
    // The refresh request carries no token in its body (the cookie does), and no token is stored.
    expect(refreshBodies).toEqual(["{}"]);
    expect(localStorage.length).toBe(0);
    expect(sessionStorage.length).toBe(0);
  });

  it("clears the session when the refresh cookie is refused, and stops trying", async () => {
    cookieValid = false;
    const res = await authFetch(new Request("http://localhost/api/a"));
    expect(res.status).toBe(401);
    expect(tokens.access).toBeNull();
    expect(tokens.mayRefresh).toBe(false);
    expect(await refreshAccess()).toBeNull();
    expect(refreshCalls).toBe(1);
  });

  it("an ended session (SESSION_REVOKED) is not refreshed: the tokens go, so the app sends the user to log in", async () => {
    valid = "something-else";
    vi.mocked(fetch).mockImplementationOnce(async () =>
      json(401, { error: { code: "SESSION_REVOKED", message: "ended" } }),
    );
    const res = await authFetch(new Request("http://localhost/api/a"));
    expect(res.status).toBe(401);
    expect(refreshCalls).toBe(0);
    expect(tokens.access).toBeNull();
    expect(tokens.mayRefresh).toBe(false);
  });
});
