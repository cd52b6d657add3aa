import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ServerResponse } from "node:http";
import { expect } from "chai";
import {
  authenticate,
  authorize,
  clientAddress,
  dropUnsafeRequestIds,
  prepareContext,
  serveAppPage,
  type Req,
} from "../../../services/api/requests.ts";
import type { AuthInfo, CallMeta } from "../../../core/permissions.ts";

const request = (over: Partial<Req> & { headers?: Req["headers"] } = {}): Req =>
  ({ method: "GET", url: "/", headers: {}, socket: { remoteAddress: "10.0.0.9" }, ...over }) as Req;

/** A response that records what the page handler wrote. */
function response() {
  const written: { status?: number; headers: Record<string, string>; body?: unknown; ended: boolean } = {
    headers: {},
    ended: false,
  };
  const res = {
    set statusCode(code: number) {
      written.status = code;
    },
    setHeader: (name: string, value: string) => void (written.headers[name.toLowerCase()] = value),
    end: (body?: unknown) => {
      written.body = body;
      written.ended = true;
    },
  } as unknown as ServerResponse;
  return { res, written };
}

const caller: AuthInfo = { kind: "user", userId: "u1", orgId: "o1", role: "analyst", permissions: [] };

describe("api/requests: what the gateway does around each call", () => {
  it("authenticates a Bearer token through the resolver; no header is anonymous; any other scheme is refused", async () => {
    const seen: string[] = [];
    const resolve = async (token: string) => (seen.push(token), caller);
    expect(await authenticate(request(), resolve)).to.equal(null);
    expect(await authenticate(request({ headers: { authorization: "bearer abc.def" } }), resolve)).to.equal(caller);
    expect(seen).to.deep.equal(["abc.def"]);
    for (const header of ["Basic dXNlcjpwdw==", "Bearer", "Bearer a b", "Token abc"]) {
      const err = await authenticate(request({ headers: { authorization: header } }), resolve).catch((e) => e);
      expect(err, header).to.include({ type: "UNAUTHORIZED" });
    }
    expect(seen).to.have.length(1);
  });

  it("moves the authenticated user to meta.auth and refuses an anonymous caller of a member action before the call", () => {
    const meta: CallMeta & { user?: AuthInfo | null } = { user: caller };
    authorize(meta, request({ $action: { auth: "user" } }));
    expect(meta).to.deep.equal({ auth: caller });
    const anonymous: CallMeta & { user?: AuthInfo | null } = { user: null };
    expect(() => authorize(anonymous, request({ $action: { auth: "user" } })))
      .to.throw()
      .with.property("code", 401);
    authorize(anonymous, request({ $action: { auth: "public" } }));
  });

  it("takes the caller's address from the socket, or the first forwarded hop only behind a trusted proxy", () => {
    const req = request({ headers: { "x-forwarded-for": "203.0.113.7, 10.0.0.1" } });
    expect(clientAddress(req, false)).to.equal("10.0.0.9");
    expect(clientAddress(req, true)).to.equal("203.0.113.7");
    expect(clientAddress(request({ headers: { "x-forwarded-for": "" } }), true)).to.equal("10.0.0.9");
  });

  it("stamps address and a bounded user agent; auth cookies travel only to the endpoints that read them", () => {
    const cookie = "chatlens_refresh=r1";
    const elsewhere: CallMeta = {};
    prepareContext(
      elsewhere,
      request({ url: "/api/datasets", headers: { cookie, "user-agent": "x".repeat(500) } }),
      false,
    );
    expect(elsewhere.ip).to.equal("10.0.0.9");
    expect(elsewhere.userAgent).to.have.length(300);
    expect(elsewhere.cookies).to.equal(undefined);
    const refresh: CallMeta = {};
    prepareContext(refresh, request({ url: "/api/auth/refresh", headers: { cookie } }), false);
    expect(refresh.cookies).to.deep.include({ refresh: "r1" });
  });

  it("drops client request and correlation ids that are not harmless, keeps good ones", () => {
    const req = request({
      headers: { "x-request-id": "ok-id_1.2:3", "x-correlation-id": "bad id\r\nSet-Cookie: x=1" },
    });
    dropUnsafeRequestIds(req);
    expect(req.headers["x-request-id"]).to.equal("ok-id_1.2:3");
    expect(req.headers).not.to.have.property("x-correlation-id");
    const long = request({ headers: { "x-request-id": "a".repeat(129) } });
    dropUnsafeRequestIds(long);
    expect(long.headers).not.to.have.property("x-request-id");
  });

  it("serves the web app's index.html for page paths, never for API paths or other methods", () => {
    const uiDir = mkdtempSync(path.join(tmpdir(), "chatlens-ui-"));
    writeFileSync(path.join(uiDir, "index.html"), "<html>app</html>");
    const page = response();
    expect(serveAppPage(request({ url: "/datasets/42?tab=imports" }), page.res, uiDir)).to.equal(true);
    expect(page.written).to.include({ status: 200, ended: true });
    expect(String(page.written.body)).to.equal("<html>app</html>");
    expect(page.written.headers["cache-control"]).to.equal("no-cache");
    const head = response();
    expect(serveAppPage(request({ method: "HEAD", url: "/search" }), head.res, uiDir)).to.equal(true);
    expect(head.written.body).to.equal(undefined);
    for (const [method, url] of [
      ["GET", "/api/nope"],
      ["GET", "/v1"],
      ["GET", "/api?x=1"],
      ["POST", "/search"],
    ] as const)
      expect(serveAppPage(request({ method, url }), response().res, uiDir), `${method} ${url}`).to.equal(false);
    expect(serveAppPage(request({ url: "/search" }), response().res, path.join(uiDir, "missing"))).to.equal(false);
  });
});
