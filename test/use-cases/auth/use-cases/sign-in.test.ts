import { expect } from "chai";
import sinon from "sinon";
import { getUser, setDisabled } from "../../../../services/auth/accounts.ts";
import { hashPassword } from "../../../../services/auth/passwords.ts";
import { getSession } from "../../../../services/auth/sessions.ts";
import { verifyAccessToken } from "../../../../services/auth/tokens.ts";
import { confirmSignup, login, logout, refresh, signup } from "../../../../services/auth/use-cases/sign-in.ts";
import { anonymous, auditTrail, authHarness, member, userCaller, type AuthHarness } from "../deps.ts";

/** The `token` query parameter of the one link in a mail. */
function linkToken(text: string): string {
  const link = /https:\/\/chatlens\.example\/\S+/.exec(text)?.[0];
  expect(link, text).to.be.a("string");
  return new URL(link!).searchParams.get("token")!;
}

/** The ClientError code a call fails with. */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { type?: string }).type ?? String(err);
  }
  return "no error";
}

describe("auth use cases: sign-up, confirmation, log-in, refresh, log-out", function () {
  this.timeout(60_000);
  let h: AuthHarness;
  beforeEach(async () => {
    h = await authHarness({ LOGIN_RATE_LIMIT: "3", CREDENTIAL_RATE_LIMIT: "3" });
  });
  afterEach(async () => h?.close());

  it("sign-up answers alike for a new and a taken address; only the new one gets a confirmation link", async () => {
    const first = await signup(h.deps, anonymous(), { email: "Ana@Example.org", password: "correct horse battery" });
    expect(first).to.deep.equal({ ok: true });
    expect(h.mail).to.have.length(1);
    expect(h.mail[0]!.to).to.equal("ana@example.org");
    const token = linkToken(h.mail[0]!.text);
    expect(token).to.have.length.greaterThan(20);

    // The same address differently spelt: same answer, no second account; the unconfirmed
    // account's owner gets a fresh link, not a "someone tried" note.
    const again = await signup(h.deps, anonymous(), { email: " ANA@example.org ", password: "another password!" });
    expect(again).to.deep.equal({ ok: true });
    expect(h.mail).to.have.length(2);
    expect(h.mail[1]!.to).to.equal("ana@example.org");
    expect(linkToken(h.mail[1]!.text)).to.be.a("string");
    const trail = await auditTrail(h);
    expect(trail.map((e) => [e.action, e.outcome])).to.deep.equal([
      ["user.signedUp", "success"],
      ["user.signupAttempted", "failure"],
    ]);
    expect(trail[1]!.target).to.equal(trail[0]!.actorId);
  });

  it("a confirmed account's owner is told someone tried, at most CREDENTIAL_RATE_LIMIT times per window", async () => {
    await member(h, "bo@example.org", { passwordHash: await hashPassword("bo's password", h.deps.hashOptions) });
    for (let i = 0; i < 5; i++)
      expect(
        await signup(h.deps, anonymous(`203.0.113.${i}`), { email: "bo@example.org", password: "x".repeat(12) }),
      ).to.deep.equal({ ok: true });
    expect(h.mail.map((m) => m.to)).to.deep.equal(["bo@example.org", "bo@example.org", "bo@example.org"]);
    expect(h.mail[0]!.text).to.include("https://chatlens.example/forgot-password");
  });

  it("an unconfirmed account cannot log in with its right password; the link and the password open its first session", async () => {
    await signup(h.deps, anonymous(), { email: "cy@example.org", password: "cy's long password" });
    const token = linkToken(h.mail[0]!.text);
    expect(
      await codeOf(login(h.deps, anonymous(), { email: "cy@example.org", password: "cy's long password" })),
    ).to.equal("INVALID_CREDENTIALS");
    // Whoever holds the link but not the password gets nothing (account pre-hijacking).
    expect(await codeOf(confirmSignup(h.deps, anonymous(), { token, password: "guess" }))).to.equal(
      "INVALID_CREDENTIALS",
    );
    expect(
      await codeOf(confirmSignup(h.deps, anonymous(), { token: token + "x", password: "cy's long password" })),
    ).to.equal("LINK_INVALID");
    const opened = await confirmSignup(h.deps, anonymous(), { token, password: "cy's long password" });
    expect(opened).to.have.property("accessToken");
    const tokens = opened as { accessToken: string; sessionId: string; orgId: string; refreshToken: string };
    const claims = verifyAccessToken(tokens.accessToken, h.deps.tokens);
    expect(claims.sessionId).to.equal(tokens.sessionId);
    expect(claims.orgId).to.equal(tokens.orgId);
    expect((await getUser(h.deps.db, claims.userId))!.emailVerified).to.equal(true);
    // Now the password alone works.
    expect(
      await login(h.deps, anonymous(), { email: "CY@example.org", password: "cy's long password" }),
    ).to.have.property("accessToken");
  });

  it("a wrong password, an unknown address and a disabled account answer alike; the audit log tells them apart", async () => {
    const { user } = await member(h, "di@example.org", {
      passwordHash: await hashPassword("di's password!", h.deps.hashOptions),
    });
    const attempts = [
      { email: "di@example.org", password: "wrong password" },
      { email: "nobody@example.org", password: "di's password!" },
    ];
    for (const a of attempts)
      expect(await codeOf(login(h.deps, anonymous("192.0.2.1"), a))).to.equal("INVALID_CREDENTIALS");
    await setDisabled(h.deps.db, user.id, true);
    expect(
      await codeOf(login(h.deps, anonymous("192.0.2.2"), { email: "di@example.org", password: "di's password!" })),
    ).to.equal("INVALID_CREDENTIALS");
    const failed = (await auditTrail(h)).filter((e) => e.action === "user.loginFailed");
    expect(failed.map((e) => (e.data as { reason: string }).reason)).to.deep.equal([
      "invalid_credentials",
      "invalid_credentials",
      "account_disabled",
    ]);
    expect(failed[0]!.actorId).to.equal(user.id);
    expect(failed[1]!.actorId).to.equal(null);
  });

  it("failures from one address block it for every account, and not the owner at their own address", async () => {
    await member(h, "ed@example.org", { passwordHash: await hashPassword("ed's password!", h.deps.hashOptions) });
    const attacker = anonymous("192.0.2.66");
    for (let i = 0; i < 3; i++)
      expect(await codeOf(login(h.deps, attacker, { email: "ed@example.org", password: `guess ${i}` }))).to.equal(
        "INVALID_CREDENTIALS",
      );
    // Blocked even with the right password, and for any other account.
    expect(await codeOf(login(h.deps, attacker, { email: "ed@example.org", password: "ed's password!" }))).to.equal(
      "RATE_LIMITED",
    );
    expect(await codeOf(login(h.deps, attacker, { email: "x@example.org", password: "whatever" }))).to.equal(
      "RATE_LIMITED",
    );
    const own = await login(h.deps, anonymous("198.51.100.20"), {
      email: "ed@example.org",
      password: "ed's password!",
    });
    expect(own).to.have.property("accessToken");
  });

  it("refresh rotates; the previous token within the grace window answers without a new one; after it, reuse ends the session", async () => {
    // Only Date is faked (the refresh use case reads the time from it); PGlite's timers run as they are.
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ["Date"] });
    try {
      await member(h, "fe@example.org", { passwordHash: await hashPassword("fe's password!", h.deps.hashOptions) });
      const opened = (await login(h.deps, anonymous(), { email: "fe@example.org", password: "fe's password!" })) as {
        refreshToken: string;
        sessionId: string;
      };
      const rotated = await refresh(h.deps, anonymous(), { refreshToken: opened.refreshToken });
      expect(rotated.refreshToken).to.be.a("string").and.not.equal(opened.refreshToken);
      expect(rotated.sessionId).to.equal(opened.sessionId);

      clock.tick((h.deps.config.REFRESH_REUSE_GRACE_S - 1) * 1000);
      const second = await refresh(h.deps, anonymous(), { refreshToken: opened.refreshToken });
      expect(second.refreshToken).to.equal(null);
      expect(second.sessionId).to.equal(opened.sessionId);

      clock.tick(2000);
      expect(await codeOf(refresh(h.deps, anonymous(), { refreshToken: opened.refreshToken }))).to.equal(
        "TOKEN_REUSED",
      );
      expect(h.ended).to.deep.equal([[opened.sessionId]]);
      expect((await getSession(h.deps.db, opened.sessionId))!.revokedAt).to.be.instanceOf(Date);
      // The thief's rotated token is dead too.
      expect(await codeOf(refresh(h.deps, anonymous(), { refreshToken: rotated.refreshToken! }))).to.equal(
        "SESSION_REVOKED",
      );
      const trail = await auditTrail(h);
      expect(trail.map((e) => e.action)).to.include.members(["session.ended", "token.reused"]);
    } finally {
      clock.restore();
    }
  });

  it("refresh refuses a missing, unknown or hostile token; the cookie stands in for the body", async () => {
    expect(await codeOf(refresh(h.deps, anonymous(), {}))).to.equal("VALIDATION_ERROR");
    for (const t of ["nope", "' or 1=1 --", "\u0000".repeat(3), "x".repeat(5000)])
      expect(await codeOf(refresh(h.deps, anonymous(), { refreshToken: t }))).to.equal("TOKEN_INVALID");
    await member(h, "gi@example.org", { passwordHash: await hashPassword("gi's password!", h.deps.hashOptions) });
    const opened = (await login(h.deps, anonymous(), { email: "gi@example.org", password: "gi's password!" })) as {
      refreshToken: string;
    };
    const viaCookie = await refresh(h.deps, { meta: { cookies: { refresh: opened.refreshToken } } }, {});
    expect(viaCookie.refreshToken).to.be.a("string");
  });

  it("log-out ends the caller's session: its refresh token stops working", async () => {
    const { user } = await member(h, "ha@example.org", {
      passwordHash: await hashPassword("ha's password!", h.deps.hashOptions),
    });
    const opened = (await login(h.deps, anonymous(), { email: "ha@example.org", password: "ha's password!" })) as {
      refreshToken: string;
      sessionId: string;
      orgId: string;
    };
    const caller = userCaller(user.id, opened.orgId, "owner", { sessionId: opened.sessionId });
    expect(await logout(h.deps, caller)).to.deep.equal({ ok: true });
    expect(h.ended).to.deep.equal([[opened.sessionId]]);
    expect(await codeOf(refresh(h.deps, anonymous(), { refreshToken: opened.refreshToken }))).to.equal(
      "SESSION_REVOKED",
    );
    expect(await codeOf(logout(h.deps, anonymous()))).to.equal("UNAUTHORIZED");
  });
});
