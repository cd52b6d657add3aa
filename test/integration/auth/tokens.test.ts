import { expect } from "chai";
import jwt from "jsonwebtoken";
import { http } from "../../helpers/http.ts";
import { tokensOf } from "../../helpers/accounts.ts";
import type { TestPlatform } from "../../helpers/platform.ts";
import { AUTH_TEST_ENV, logIn, PASSWORD, signUp, startAuthPlatform, uniqueEmail } from "./fixtures.ts";

describe("auth: sign-up, log-in and tokens (HTTP)", function () {
  let p: TestPlatform;
  before(async () => {
    p = await startAuthPlatform({ REFRESH_REUSE_GRACE_S: "2" });
  });
  after(async () => p?.stop());

  const me = (token?: string) => http(p.baseUrl, "GET", "/api/auth/me", { token });

  it("signs up with a personal organisation where the user is owner", async () => {
    const a = await signUp(p);
    const res = await me(a.accessToken);
    expect(res.status).to.equal(200);
    expect(res.body.user.email).to.equal(a.email);
    expect(res.body.user).to.not.have.property("passwordHash");
    expect(res.body.orgs).to.have.length(1);
    expect(res.body.orgs[0].role).to.equal("owner");
    expect(res.body.current.orgId).to.equal(a.orgId);
  });

  it("makes no second account with the same e-mail (any case), answering as for a new one", async () => {
    const a = await signUp(p);
    const res = await http(p.baseUrl, "POST", "/api/auth/signup", {
      body: { email: a.email.toUpperCase(), password: "another long password" },
    });
    expect(res.status).to.equal(202);
    expect(res.body).to.deep.equal({ ok: true });
    expect((await logIn(p, a.email, "another long password")).status).to.equal(401);
    expect((await me(a.accessToken)).body.user.id).to.equal(a.userId);
  });

  it("answers an unknown account and a wrong password with the same error", async () => {
    const a = await signUp(p);
    const wrong = await logIn(p, a.email, "not the password at all");
    const unknown = await logIn(p, uniqueEmail("nobody"), "not the password at all");
    expect(wrong.status).to.equal(401);
    expect(unknown.status).to.equal(401);
    expect(wrong.error).to.deep.equal({ ...unknown.error, requestId: wrong.error.requestId });
    expect(wrong.error.code).to.equal("INVALID_CREDENTIALS");
    const ok = await logIn(p, a.email);
    expect(ok.status).to.equal(200);
    expect(tokensOf(ok.body).accessToken).to.be.a("string");
  });

  it("issues HS256 access tokens with iss, aud, exp and the session id", async () => {
    const a = await signUp(p);
    const decoded = jwt.decode(a.accessToken, { complete: true })!;
    expect(decoded.header.alg).to.equal("HS256");
    const payload = decoded.payload as jwt.JwtPayload;
    expect(payload.iss).to.equal("chatlens");
    expect(payload.aud).to.equal("chatlens-api");
    expect(payload.sid).to.equal(a.sessionId);
    expect(payload.exp! - payload.iat!).to.equal(900);
  });

  describe("rejects bad access tokens", () => {
    const secret = AUTH_TEST_ENV.JWT_SECRET!;
    let a: Awaited<ReturnType<typeof signUp>>;
    before(async () => {
      a = await signUp(p);
    });
    const claims = () => ({ sub: a.userId, sid: a.sessionId, org: a.orgId, typ: "access" });
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const cases: [string, () => string, string][] = [
      [
        "tampered payload",
        () => {
          const [h, , s] = a.accessToken.split(".");
          return `${h}.${b64({ ...claims(), org: "00000000-0000-0000-0000-000000000000", iss: "chatlens", aud: "chatlens-api", exp: 9999999999 })}.${s}`;
        },
        "TOKEN_INVALID",
      ],
      [
        "alg none",
        () =>
          `${b64({ alg: "none", typ: "JWT" })}.${b64({ ...claims(), iss: "chatlens", aud: "chatlens-api", exp: 9999999999 })}.`,
        "TOKEN_INVALID",
      ],
      [
        "expired",
        () =>
          jwt.sign({ ...claims(), exp: Math.floor(Date.now() / 1000) - 10 }, secret, {
            algorithm: "HS256",
            issuer: "chatlens",
            audience: "chatlens-api",
          }),
        "TOKEN_EXPIRED",
      ],
      [
        "wrong issuer",
        () =>
          jwt.sign(claims(), secret, { algorithm: "HS256", issuer: "evil", audience: "chatlens-api", expiresIn: 60 }),
        "TOKEN_INVALID",
      ],
      [
        "wrong audience",
        () => jwt.sign(claims(), secret, { algorithm: "HS256", issuer: "chatlens", audience: "other", expiresIn: 60 }),
        "TOKEN_INVALID",
      ],
      [
        "HS512",
        () =>
          jwt.sign(claims(), secret, {
            algorithm: "HS512",
            issuer: "chatlens",
            audience: "chatlens-api",
            expiresIn: 60,
          }),
        "TOKEN_INVALID",
      ],
      [
        "other secret",
        () =>
          jwt.sign(claims(), "x".repeat(40), {
            algorithm: "HS256",
            issuer: "chatlens",
            audience: "chatlens-api",
            expiresIn: 60,
          }),
        "TOKEN_INVALID",
      ],
      [
        "no exp",
        () => jwt.sign(claims(), secret, { algorithm: "HS256", issuer: "chatlens", audience: "chatlens-api" }),
        "TOKEN_INVALID",
      ],
      ["garbage", () => "not.a.jwt", "TOKEN_INVALID"],
    ];
    for (const [name, make, code] of cases)
      it(name, async () => {
        const res = await me(make());
        expect(res.status).to.equal(401);
        expect(res.error.code).to.equal(code);
      });
    it("a malformed Authorization header", async () => {
      const res = await http(p.baseUrl, "GET", "/api/auth/me", { headers: { authorization: "Basic abc" } });
      expect(res.status).to.equal(401);
    });
  });

  it("rotates refresh tokens and detects reuse, ending the session", async () => {
    const a = await signUp(p);
    const r1 = await http(p.baseUrl, "POST", "/api/auth/refresh", { body: { refreshToken: a.refreshToken } });
    expect(r1.status).to.equal(200);
    expect(r1.body.refreshToken).to.be.a("string").and.not.equal(a.refreshToken);
    const r2 = await http(p.baseUrl, "POST", "/api/auth/refresh", { body: { refreshToken: r1.body.refreshToken! } });
    expect(r2.status).to.equal(200);
    // a.refreshToken was rotated two generations ago: a replay, not a race.
    const replay = await http(p.baseUrl, "POST", "/api/auth/refresh", { body: { refreshToken: a.refreshToken } });
    expect(replay.status).to.equal(401);
    expect(replay.error.code).to.equal("TOKEN_REUSED");
    const after = await http(p.baseUrl, "POST", "/api/auth/refresh", { body: { refreshToken: r2.body.refreshToken! } });
    expect(after.status).to.equal(401);
    expect(after.error.code).to.equal("SESSION_REVOKED");
    expect((await me(r2.body.accessToken)).status).to.equal(401);
  });

  it("answers the previous token inside the grace window with an access token only", async () => {
    const a = await signUp(p);
    const r1 = await http(p.baseUrl, "POST", "/api/auth/refresh", { body: { refreshToken: a.refreshToken } });
    const again = await http(p.baseUrl, "POST", "/api/auth/refresh", { body: { refreshToken: a.refreshToken } });
    expect(again.status).to.equal(200);
    expect(again.body.refreshToken).to.equal(null);
    expect((await me(again.body.accessToken)).status).to.equal(200);
    // The current token still works: the session was not ended.
    const r2 = await http(p.baseUrl, "POST", "/api/auth/refresh", { body: { refreshToken: r1.body.refreshToken! } });
    expect(r2.status).to.equal(200);
  });

  it("treats the previous token after the grace window as reuse", async function () {
    this.timeout(30_000);
    const a = await signUp(p);
    await http(p.baseUrl, "POST", "/api/auth/refresh", { body: { refreshToken: a.refreshToken } });
    await new Promise((r) => setTimeout(r, 2300));
    const late = await http(p.baseUrl, "POST", "/api/auth/refresh", { body: { refreshToken: a.refreshToken } });
    expect(late.error.code).to.equal("TOKEN_REUSED");
  });

  it("logs out: the access token stops working at once", async () => {
    const a = await signUp(p);
    expect((await me(a.accessToken)).status).to.equal(200);
    expect((await http(p.baseUrl, "POST", "/api/auth/logout", { token: a.accessToken, body: {} })).status).to.equal(
      200,
    );
    const res = await me(a.accessToken);
    expect(res.status).to.equal(401);
    expect(res.error.code).to.equal("SESSION_REVOKED");
    expect(
      (await http(p.baseUrl, "POST", "/api/auth/refresh", { body: { refreshToken: a.refreshToken } })).status,
    ).to.equal(401);
  });

  it("a password change ends every session and continues in a new one", async () => {
    const a = await signUp(p);
    const other = tokensOf((await logIn(p, a.email)).body);
    const res = await http(p.baseUrl, "POST", "/api/auth/password", {
      token: a.accessToken,
      body: { currentPassword: PASSWORD, newPassword: "another long password" },
    });
    expect(res.status).to.equal(200);
    expect((await me(a.accessToken)).status).to.equal(401);
    expect((await me(other.accessToken)).status).to.equal(401);
    expect((await me(res.body.accessToken)).status).to.equal(200);
    expect((await logIn(p, a.email)).status).to.equal(401);
    expect((await logIn(p, a.email, "another long password")).status).to.equal(200);
  });

  it("a wrong current password does not change it", async () => {
    const a = await signUp(p);
    const res = await http(p.baseUrl, "POST", "/api/auth/password", {
      token: a.accessToken,
      body: { currentPassword: "wrong password!", newPassword: "another long password" },
    });
    expect(res.status).to.equal(401);
    expect((await logIn(p, a.email)).status).to.equal(200);
  });

  it("enforces the absolute session lifetime", async function () {
    this.timeout(45_000);
    const short = await startAuthPlatform({ SESSION_ABSOLUTE_TTL_S: "2" });
    try {
      const a = await signUp(short);
      await new Promise((r) => setTimeout(r, 2300));
      expect((await http(short.baseUrl, "GET", "/api/auth/me", { token: a.accessToken })).status).to.equal(401);
      const r = await http(short.baseUrl, "POST", "/api/auth/refresh", { body: { refreshToken: a.refreshToken } });
      expect(r.status).to.equal(401);
    } finally {
      await short.stop();
    }
  });
});
