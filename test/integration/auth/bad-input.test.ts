import { expect } from "chai";
import { httpRaw } from "../../helpers/http.ts";
import type { TestPlatform } from "../../helpers/platform.ts";
import { signUp, startAuthPlatform, type Account } from "./fixtures.ts";

const long = (n: number) => "x".repeat(n);

/** [method, path, body, signed in?]: every one must answer 422 VALIDATION_ERROR. */
const CASES: [string, string, unknown, boolean][] = [
  ["POST", "/auth/signup", {}, false],
  ["POST", "/auth/signup", { email: "not-an-email", password: "long enough password" }, false],
  ["POST", "/auth/signup", { email: 42, password: "long enough password" }, false],
  ["POST", "/auth/signup", { email: "a@example.test", password: "short" }, false],
  ["POST", "/auth/signup", { email: "a@example.test", password: long(257) }, false],
  ["POST", "/auth/signup", { email: `${long(250)}@example.test`, password: "long enough password" }, false],
  ["POST", "/auth/signup", { email: "a@example.test", password: "long enough password", isOperator: true }, false],
  ["POST", "/auth/login", { email: "a@example.test" }, false],
  ["POST", "/auth/login", { email: "a@example.test", password: ["x"] }, false],
  ["POST", "/auth/login/mfa", { challengeToken: "x", code: 123456 }, false],
  ["POST", "/auth/login/oauth", { code: long(600) }, false],
  ["POST", "/auth/refresh", { refreshToken: "" }, false],
  ["POST", "/auth/refresh", { refreshToken: null }, false],
  ["PATCH", "/auth/me", { avatarUrl: "javascript:alert(1)" }, true],
  ["PATCH", "/auth/me", { timeZone: "Mars/Olympus_Mons" }, true],
  ["PATCH", "/auth/me", { locale: "not a locale!!" }, true],
  ["PATCH", "/auth/me", { displayName: long(121) }, true],
  ["PATCH", "/auth/me", { displayName: 5 }, true],
  ["POST", "/auth/password", { newPassword: "short" }, true],
  ["DELETE", "/auth/sessions/not-a-uuid", undefined, true],
  ["POST", "/auth/orgs", { name: "" }, true],
  ["POST", "/auth/orgs", { name: long(121) }, true],
  ["POST", "/auth/orgs/switch", { orgId: "123" }, true],
  ["PATCH", "/auth/org", { requireMfa: "yes please" }, true],
  ["PATCH", "/auth/members/not-a-uuid", { role: "viewer" }, true],
  ["PATCH", "/auth/members/00000000-0000-4000-8000-000000000000", { role: "superuser" }, true],
  ["POST", "/auth/invitations", { email: "a@example.test", role: "god" }, true],
  ["POST", "/auth/invitations", { email: "nope", role: "viewer" }, true],
  ["POST", "/auth/mfa/confirm", { code: "1" }, true],
  ["POST", "/auth/api-keys", { name: "k", permissions: [] }, true],
  ["POST", "/auth/api-keys", { name: "k", permissions: ["root"] }, true],
  ["POST", "/auth/api-keys", { name: "k", permissions: "datasets.read" }, true],
  ["POST", "/auth/api-keys", { name: "k", permissions: ["datasets.read"], expiresAt: "2001-01-01T00:00:00Z" }, true],
  ["GET", "/auth/audit?limit=100000", undefined, true],
  ["GET", "/auth/audit?actorId=bob", undefined, true],
  ["GET", "/auth/audit?from=yesterday", undefined, true],
];

describe("auth: bad input answers 422 VALIDATION_ERROR in the JSON error shape", function () {
  let p: TestPlatform;
  let a: Account;
  before(async () => {
    p = await startAuthPlatform();
    a = await signUp(p);
  });
  after(async () => p?.stop());

  for (const [method, path, body, signedIn] of CASES)
    it(`${method} ${path} ${JSON.stringify(body ?? "").slice(0, 70)}`, async () => {
      const res = await httpRaw(p.baseUrl, method, `/api${path}`, {
        body,
        token: signedIn ? a.accessToken : undefined,
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(422);
      expect(res.error.code).to.equal("VALIDATION_ERROR");
      expect(res.error.message).to.be.a("string");
    });

  it("a body that is not JSON is refused without reaching the action", async () => {
    const res = await httpRaw(p.baseUrl, "POST", "/api/auth/login", {
      body: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(res.status).to.be.within(400, 422);
    expect(res.error.code).to.be.a("string");
  });
});
