import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { authFetch } from "../src/lib/api/client";
import { tokens } from "../src/lib/api/tokens";

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

describe("authFetch: transparent refresh with rotation", () => {
  let refreshCalls = 0;
  let valid = "access-2";

  beforeEach(() => {
    refreshCalls = 0;
    valid = "access-2";
    localStorage.clear();
    tokens.set("access-1", "refresh-1");
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
        const req = input instanceof Request ? input : new Request(new URL(String(input), "http://localhost"), init);
        if (new URL(req.url).pathname === "/api/auth/refresh") {
          refreshCalls++;
          const body = (await req.json()) as { refreshToken: string };
          await new Promise((r) => setTimeout(r, 20));
          if (body.refreshToken !== "refresh-1")
            return json(401, { error: { code: "TOKEN_REUSED", message: "reused" } });
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

  it("refreshes once for concurrent expired requests and retries each, body included", async () => {
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
    expect(localStorage.getItem("chatlens.refreshToken")).toBe("refresh-2");
  });

  it("clears the session when the refresh token is refused", async () => {
    tokens.set("access-1", "stolen");
    const res = await authFetch(new Request("http://localhost/api/a"));
    expect(res.status).toBe(401);
    expect(tokens.access).toBeNull();
    expect(tokens.refresh).toBeNull();
  });

  it("does not refresh for other 401s", async () => {
    valid = "something-else";
    vi.mocked(fetch).mockImplementationOnce(async () =>
      json(401, { error: { code: "SESSION_REVOKED", message: "ended" } }),
    );
    const res = await authFetch(new Request("http://localhost/api/a"));
    expect(res.status).toBe(401);
    expect(refreshCalls).toBe(0);
  });
});
