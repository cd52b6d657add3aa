import { expect } from "chai";
import { and, eq } from "drizzle-orm";
import { auditLog, invitations, users } from "../../../models/schema.ts";
import { generateCode } from "../../../services/auth/totp.ts";
import { caller } from "../../helpers/http.ts";
import { challengeOf, tokensOf } from "../../helpers/accounts.ts";
import type { TestPlatform } from "../../helpers/platform.ts";
import {
  addMember,
  asUnconfirmedFromBefore,
  lastMailTo,
  logIn,
  outbox,
  PASSWORD,
  signUp,
  signUpUnconfirmed,
  startAuthPlatform,
  uniqueEmail,
  type Account,
} from "./fixtures.ts";

/**
 * Issue 15's account findings, each replayed over HTTP as the attacker did: the platform must
 * answer 4xx and lose nothing. Limits are scaled down (CREDENTIAL_RATE_LIMIT=5, LOGIN_RATE_LIMIT=3).
 */
describe("auth: account attacks of issue 15 (HTTP)", function () {
  this.timeout(120_000);
  let p: TestPlatform;
  before(async function () {
    this.timeout(300_000);
    p = await startAuthPlatform(
      { CREDENTIAL_RATE_LIMIT: "5", LOGIN_RATE_LIMIT: "3", TRUST_PROXY: "true", CACHER: "memory" },
      ["api", "auth", "analytics"],
    );
  });
  after(async () => p?.stop());
  const call = caller(() => p.baseUrl);
  /** Each test guesses from its own client address, so address counters do not leak between tests. */
  let addressNo = 10;
  const from = () => ({ "x-forwarded-for": `203.0.113.${addressNo++}` });
  const codeAt = (secret: string, stepOffset: number) => generateCode(secret, Date.now() + stepOffset * 30_000);

  async function enrol(a: Account, headers: Record<string, string> = {}) {
    const start = await call("POST", "/api/auth/mfa/enrol", a.accessToken, {}, headers);
    const confirm = await call(
      "POST",
      "/api/auth/mfa/confirm",
      a.accessToken,
      { code: codeAt(start.body.secret, 0) },
      headers,
    );
    expect(confirm.status, JSON.stringify(confirm.body)).to.equal(200);
    return { secret: start.body.secret, recoveryCodes: confirm.body.recoveryCodes };
  }

  it("M2: with MFA required, a member without MFA gets no cached dashboard answer", async () => {
    const owner = await signUp(p);
    await enrol(owner);
    const member = await addMember(p, owner, "viewer");
    // The owner fills the cache with the org's search analytics.
    const warm = await call("GET", "/api/search-analytics", owner.accessToken);
    expect(warm.status, JSON.stringify(warm.body)).to.equal(200);
    expect((await call("PATCH", "/api/auth/org", owner.accessToken, { requireMfa: true })).status).to.equal(200);
    const refused = await call("GET", "/api/search-analytics", member.accessToken);
    expect(refused.status).to.equal(403);
    expect(refused.error.code).to.equal("MFA_ENROLMENT_REQUIRED");
    expect(JSON.stringify(refused.body)).to.not.contain("topQueries");
  });

  it("M3: a disabled user's API keys neither read nor write", async () => {
    const owner = await signUp(p);
    const key = await call("POST", "/api/auth/api-keys", owner.accessToken, {
      name: "ci",
      permissions: ["members.read", "members.manage"],
    });
    expect(key.status).to.equal(201);
    expect((await call("GET", "/api/auth/members", key.body.key)).status).to.equal(200);
    await p.broker.call("auth.setUserDisabled", { email: owner.email, disabled: true });
    const read = await call("GET", "/api/auth/members", key.body.key);
    expect(read.status).to.equal(401);
    const write = await call("POST", "/api/auth/invitations", key.body.key, { email: uniqueEmail(), role: "viewer" });
    expect(write.status).to.equal(401);
    expect(await p.database.db.select().from(invitations).where(eq(invitations.orgId, owner.orgId))).to.have.length(0);
    // Enabled again, the key works again: it was refused, not destroyed.
    await p.broker.call("auth.setUserDisabled", { email: owner.email, disabled: false });
    expect((await call("GET", "/api/auth/members", key.body.key)).status).to.equal(200);
  });

  it("M4: POST /auth/mfa/disable takes 5 wrong codes, then refuses even the right one; MFA stays on", async () => {
    const a = await signUp(p);
    const ip = from();
    const { secret } = await enrol(a, ip);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++)
      statuses.push(
        (await call("POST", "/api/auth/mfa/disable", a.accessToken, { code: String(100000 + i) }, ip)).status,
      );
    expect(statuses.slice(0, 5)).to.deep.equal([401, 401, 401, 401, 401]);
    expect(new Set(statuses.slice(5))).to.deep.equal(new Set([429]));
    const right = await call("POST", "/api/auth/mfa/disable", a.accessToken, { code: codeAt(secret, 1) }, ip);
    expect(right.status).to.equal(429);
    // Another address does not help: the account's own counter is spent too.
    expect(
      (await call("POST", "/api/auth/mfa/disable", a.accessToken, { password: PASSWORD }, from())).status,
    ).to.equal(429);
    expect((await call("GET", "/api/auth/me", a.accessToken)).body.user.mfaEnabled).to.equal(true);
  });

  it("M4: POST /auth/password limits guesses of the current password; the password is unchanged", async () => {
    const a = await signUp(p);
    const ip = from();
    for (let i = 0; i < 5; i++)
      expect(
        (
          await call(
            "POST",
            "/api/auth/password",
            a.accessToken,
            { currentPassword: `guess number ${i}`, newPassword: "attacker chosen pw" },
            ip,
          )
        ).status,
      ).to.equal(401);
    const sixth = await call(
      "POST",
      "/api/auth/password",
      a.accessToken,
      { currentPassword: PASSWORD, newPassword: "attacker chosen pw" },
      ip,
    );
    expect(sixth.status).to.equal(429);
    expect(sixth.error.code).to.equal("RATE_LIMITED");
    expect((await logIn(p, a.email, PASSWORD, from())).status).to.equal(200);
    expect((await logIn(p, a.email, "attacker chosen pw", from())).status).to.equal(401);
  });

  it("M4: recovery codes at log-in are limited like TOTP codes", async () => {
    const a = await signUp(p);
    const { recoveryCodes } = await enrol(a);
    const ip = from();
    const first = await logIn(p, a.email, PASSWORD, ip);
    for (let i = 0; i < 5; i++)
      expect(
        (
          await call(
            "POST",
            "/api/auth/login/mfa",
            undefined,
            { challengeToken: challengeOf(first.body).challengeToken, code: `aaaaa-bbbb${i}` },
            ip,
          )
        ).status,
      ).to.equal(401);
    const right = await call(
      "POST",
      "/api/auth/login/mfa",
      undefined,
      { challengeToken: challengeOf(first.body).challengeToken, code: recoveryCodes[0] },
      ip,
    );
    expect(right.status).to.equal(429);
  });

  it("M4: invitation acceptance is limited; guessing tokens gets nowhere", async () => {
    const owner = await signUp(p);
    const invitee = await signUp(p);
    const inv = await call("POST", "/api/auth/invitations", owner.accessToken, {
      email: invitee.email,
      role: "viewer",
    });
    const ip = from();
    for (let i = 0; i < 5; i++)
      expect(
        (await call("POST", "/api/auth/invitations/accept", invitee.accessToken, { token: `guessed-token-${i}` }, ip))
          .status,
      ).to.equal(404);
    expect(
      (await call("POST", "/api/auth/invitations/accept", invitee.accessToken, { token: inv.body.token }, ip)).status,
    ).to.equal(429);
  });

  it("M5: an invitation link does not let its holder join as the invited address without that mailbox", async () => {
    const owner = await signUp(p);
    const invited = uniqueEmail("invited");
    const inv = await call("POST", "/api/auth/invitations", owner.accessToken, { email: invited, role: "admin" });
    // The link leaks; the holder signs up as the invited address, but without that mailbox never logs in...
    const holder = await signUpUnconfirmed(p, invited, "holder's own password");
    expect((await logIn(p, invited, "holder's own password", from())).status).to.equal(401);
    expect((await call("POST", "/api/auth/invitations/accept", undefined, { token: inv.body.token })).status).to.equal(
      401,
    );
    // ...for the confirmation link went to the invited mailbox, not to the holder.
    expect(lastMailTo(p, invited, /confirm/i).mail.to).to.equal(invited);
    // An unconfirmed account that still has a session from before cannot accept either.
    const earlier = uniqueEmail("invited");
    const old = await asUnconfirmedFromBefore(p, await signUp(p, earlier, "holder's own password"));
    const invOld = await call("POST", "/api/auth/invitations", owner.accessToken, { email: earlier, role: "admin" });
    const accept = await call("POST", "/api/auth/invitations/accept", old.accessToken, { token: invOld.body.token });
    expect(accept.status).to.equal(403);
    expect(accept.error.code).to.equal("EMAIL_NOT_VERIFIED");
    const members = await call("GET", "/api/auth/members", owner.accessToken);
    const ids = members.body.items.map((m) => m.userId);
    expect(ids).to.not.include(holder.userId);
    expect(ids).to.not.include(old.userId);
  });

  it("L4: invitations die when their inviter is demoted below inviting, or removed", async () => {
    const owner = await signUp(p);
    const admin = await addMember(p, owner, "admin");
    const x = await signUp(p);
    const y = await signUp(p);
    const invX = await call("POST", "/api/auth/invitations", admin.accessToken, { email: x.email, role: "analyst" });
    expect(invX.status).to.equal(201);
    expect(
      (await call("PATCH", `/api/auth/members/${admin.userId}`, owner.accessToken, { role: "viewer" })).status,
    ).to.equal(200);
    expect(
      (await call("POST", "/api/auth/invitations/accept", x.accessToken, { token: invX.body.token })).status,
    ).to.equal(404);
    // Promoted back, invites again, then removed.
    expect(
      (await call("PATCH", `/api/auth/members/${admin.userId}`, owner.accessToken, { role: "admin" })).status,
    ).to.equal(200);
    const invY = await call("POST", "/api/auth/invitations", admin.accessToken, { email: y.email, role: "viewer" });
    expect(invY.status).to.equal(201);
    expect((await call("DELETE", `/api/auth/members/${admin.userId}`, owner.accessToken)).status).to.equal(200);
    expect(
      (await call("POST", "/api/auth/invitations/accept", y.accessToken, { token: invY.body.token })).status,
    ).to.equal(404);
    const members = await call("GET", "/api/auth/members", owner.accessToken);
    expect(members.body.items.map((m) => m.userId)).to.deep.equal([owner.userId]);
  });

  it("L1: wrong passwords from one address do not lock the owner out from theirs", async () => {
    const a = await signUp(p);
    const attacker = from();
    for (let i = 0; i < 3; i++) expect((await logIn(p, a.email, "wrong password!!", attacker)).status).to.equal(401);
    expect((await logIn(p, a.email, PASSWORD, attacker)).status).to.equal(429);
    expect((await logIn(p, a.email, PASSWORD, from())).status).to.equal(200);
  });

  it("L5: a disabled account answers the right password exactly like a wrong one", async () => {
    const a = await signUp(p);
    await p.broker.call("auth.setUserDisabled", { email: a.email, disabled: true });
    const right = await logIn(p, a.email, PASSWORD, from());
    const wrong = await logIn(p, a.email, "wrong password!!", from());
    expect([right.status, right.error.code, right.error.message]).to.deep.equal([
      wrong.status,
      wrong.error.code,
      wrong.error.message,
    ]);
  });

  it("L5: sign-up answers a taken address exactly like a new one, and tells the owner by mail", async () => {
    const a = await signUp(p);
    const ip = from();
    const taken = await call(
      "POST",
      "/api/auth/signup",
      undefined,
      { email: a.email.toUpperCase(), password: PASSWORD },
      ip,
    );
    const fresh = await call("POST", "/api/auth/signup", undefined, { email: uniqueEmail(), password: PASSWORD }, ip);
    expect(taken.status).to.equal(202);
    expect([taken.status, taken.body]).to.deep.equal([fresh.status, fresh.body]);
    for (const res of [taken, fresh]) {
      expect(res.headers.get("location")).to.equal(null);
      expect(res.headers.getSetCookie()).to.deep.equal([]);
    }
    const notice = lastMailTo(p, a.email, /tried to create/i);
    expect(notice.mail.text).to.match(/nothing about your account changed/);
    expect(notice.url.pathname).to.equal("/login");
    // The owner's password still works; the attacker's sign-up made nothing.
    expect((await logIn(p, a.email, PASSWORD, from())).status).to.equal(200);
    const [row] = await p.database.db.select({ n: users.id }).from(users).where(eq(users.email, a.email));
    expect(row!.n).to.equal(a.userId);
  });

  it("L5: probing addresses through sign-up is rate limited per client address, and mails the owner a bounded number of times", async () => {
    const a = await signUp(p);
    const ip = from();
    const before = outbox(p).filter((m) => m.to === a.email).length;
    for (let i = 0; i < 5; i++)
      expect(
        (await call("POST", "/api/auth/signup", undefined, { email: a.email, password: PASSWORD }, ip)).status,
      ).to.equal(202);
    expect(
      (await call("POST", "/api/auth/signup", undefined, { email: a.email, password: PASSWORD }, ip)).status,
    ).to.equal(429);
    expect(outbox(p).filter((m) => m.to === a.email).length - before).to.be.at.most(5);
  });

  it("L5: signing up with an address and logging in with the password just chosen tells nothing", async () => {
    const owner = await signUp(p);
    const ip = from();
    const probe = async (email: string) => {
      expect(
        (await call("POST", "/api/auth/signup", undefined, { email, password: "the prober's password" }, ip)).status,
      ).to.equal(202);
      return logIn(p, email, "the prober's password", from());
    };
    const taken = await probe(owner.email);
    const fresh = await probe(uniqueEmail("fresh"));
    expect([taken.status, taken.error.code, taken.error.message]).to.deep.equal([
      fresh.status,
      fresh.error.code,
      fresh.error.message,
    ]);
    expect(fresh.status).to.equal(401);
    expect(fresh.error.message).to.match(/confirmation mail/);
    // The owner is untouched.
    expect((await logIn(p, owner.email, PASSWORD, from())).status).to.equal(200);
  });

  it("sign-up confirmation: the mailed link with the account's password confirms it and opens the first session", async () => {
    const email = uniqueEmail("new");
    const account = await signUpUnconfirmed(p, email);
    const { token, url } = lastMailTo(p, email, /confirm/i);
    expect(url.pathname).to.equal("/verify-email");
    // Whoever receives a link for an account somebody else made with their address cannot take it over...
    const stranger = await call(
      "POST",
      "/api/auth/signup/confirm",
      undefined,
      { token, password: "a stranger's guess" },
      from(),
    );
    expect(stranger.status).to.equal(401);
    expect(stranger.error.code).to.equal("INVALID_CREDENTIALS");
    expect((await logIn(p, email, PASSWORD, from())).status).to.equal(401);
    // ...a forged or cut link is refused...
    const forged = await call(
      "POST",
      "/api/auth/signup/confirm",
      undefined,
      { token: token.slice(0, -2) + "xx", password: PASSWORD },
      from(),
    );
    expect([forged.status, forged.error.code]).to.deep.equal([400, "LINK_INVALID"]);
    // ...and whoever chose the password gets in, with the refresh cookie as at log-in.
    const ok = await call("POST", "/api/auth/signup/confirm", undefined, { token, password: PASSWORD }, from());
    expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
    expect(ok.headers.getSetCookie().join(";")).to.match(/HttpOnly/i);
    const me = await call("GET", "/api/auth/me", tokensOf(ok.body).accessToken);
    expect(me.body.user.id).to.equal(account.userId);
    expect(me.body.user.emailVerified).to.equal(true);
    expect((await logIn(p, email, PASSWORD, from())).status).to.equal(200);
    // The link again just logs in.
    expect(
      (await call("POST", "/api/auth/signup/confirm", undefined, { token, password: PASSWORD }, from())).status,
    ).to.equal(200);
  });

  it("sign-up confirmation: wrong passwords on a link are limited, per account and per client address", async () => {
    const email = uniqueEmail("guessed");
    await signUpUnconfirmed(p, email);
    const { token } = lastMailTo(p, email, /confirm/i);
    const ip = from();
    for (let i = 0; i < 5; i++)
      expect(
        (await call("POST", "/api/auth/signup/confirm", undefined, { token, password: `guess number ${i}` }, ip))
          .status,
      ).to.equal(401);
    const blocked = await call("POST", "/api/auth/signup/confirm", undefined, { token, password: PASSWORD }, ip);
    expect([blocked.status, blocked.error.code]).to.deep.equal([429, "RATE_LIMITED"]);
    expect((await logIn(p, email, PASSWORD, from())).status).to.equal(401);
  });

  it("sign-up confirmation: signing up again with an unconfirmed address mails a new link that works", async () => {
    const email = uniqueEmail("lost");
    await signUpUnconfirmed(p, email);
    const first = lastMailTo(p, email, /confirm/i);
    // The owner lost the first mail and signs up again: the same answer as ever, and a fresh link.
    const again = await call("POST", "/api/auth/signup", undefined, { email, password: PASSWORD }, from());
    expect([again.status, again.body]).to.deep.equal([202, { ok: true }]);
    const second = lastMailTo(p, email, /confirm/i);
    expect(second.mail.file).to.not.equal(first.mail.file);
    const ok = await call(
      "POST",
      "/api/auth/signup/confirm",
      undefined,
      { token: second.token, password: PASSWORD },
      from(),
    );
    expect(ok.status, JSON.stringify(ok.body)).to.equal(200);
  });

  it("L7: a log-in that times out is not retried while the first attempt still runs", async () => {
    const email = uniqueEmail("l7");
    const failures = () =>
      p.database.db
        .select()
        .from(auditLog)
        .where(and(eq(auditLog.action, "user.loginFailed")))
        .then((rows) => rows.filter((r) => (r.data as { email?: string } | null)?.email === email).length);
    const err = await p.broker
      .call("auth.login", { email, password: "wrong password!!" }, { timeout: 1, meta: { ip: "192.0.2.77" } })
      .catch((e: Error) => e);
    expect((err as Error).name).to.equal("RequestTimeoutError");
    const deadline = Date.now() + 20_000;
    while ((await failures()) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await failures()).to.equal(1);
    // Retries would come after 100, 200 and 400 ms (RETRY_MAX=3): give them time to show up.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await failures()).to.equal(1);
    expect(
      (p.broker.registry.getActionList({}) as { name: string; action?: { retryPolicy?: { enabled: boolean } } }[]).find(
        (a) => a.name === "auth.login",
      )?.action?.retryPolicy?.enabled,
    ).to.equal(false);
  });

  it("forgot password: same answer for any address, one mail for a real one, a link that works once and ends every session", async () => {
    const a = await signUp(p);
    const before = outbox(p).length;
    const unknown = await call(
      "POST",
      "/api/auth/password/forgot",
      undefined,
      { email: uniqueEmail("nobody") },
      from(),
    );
    const known = await call("POST", "/api/auth/password/forgot", undefined, { email: a.email }, from());
    expect([unknown.status, unknown.body]).to.deep.equal([known.status, known.body]);
    expect(known.status).to.equal(202);
    expect(outbox(p).length).to.equal(before + 1);
    const { token, url } = lastMailTo(p, a.email, /reset/i);
    expect(url.pathname).to.equal("/reset-password");
    const reset = await call(
      "POST",
      "/api/auth/password/reset",
      undefined,
      { token, newPassword: "a brand new password" },
      from(),
    );
    expect(reset.status, JSON.stringify(reset.body)).to.equal(200);
    expect((await call("GET", "/api/auth/me", a.accessToken)).status).to.equal(401);
    expect((await logIn(p, a.email, PASSWORD, from())).status).to.equal(401);
    expect((await logIn(p, a.email, "a brand new password", from())).status).to.equal(200);
    const again = await call(
      "POST",
      "/api/auth/password/reset",
      undefined,
      { token, newPassword: "attacker replays it" },
      from(),
    );
    expect(again.status).to.equal(400);
    expect(again.error.code).to.equal("LINK_INVALID");
  });

  it("H1 via password reset: the mailbox owner gets a fresh account, never the squatter's", async () => {
    const victim = uniqueEmail("victim");
    // A squatter's account from before log-in required a confirmed address (a new one never logs in).
    const squatter = await asUnconfirmedFromBefore(p, await signUp(p, victim, "squatter's password"));
    await call("POST", "/api/auth/password/forgot", undefined, { email: victim }, from());
    const { token } = lastMailTo(p, victim, /reset/i);
    expect(
      (
        await call(
          "POST",
          "/api/auth/password/reset",
          undefined,
          { token, newPassword: "victim's new password" },
          from(),
        )
      ).status,
    ).to.equal(200);
    const login = await logIn(p, victim, "victim's new password", from());
    expect(login.status).to.equal(200);
    const me = await call("GET", "/api/auth/me", tokensOf(login.body).accessToken);
    expect(me.body.user.id).to.not.equal(squatter.userId);
    expect(me.body.user.emailVerified).to.equal(true);
    expect(me.body.orgs.map((o) => o.id)).to.not.include(squatter.orgId);
    // The squatter's account and workspace still exist (nothing deleted), under a released address.
    const [row] = await p.database.db.select().from(users).where(eq(users.id, squatter.userId));
    expect(row!.email).to.match(/@invalid$/);
  });

  it("e-mail verification: signed in, the link confirms only the account it was made for", async () => {
    const a = await asUnconfirmedFromBefore(p, await signUp(p));
    const other = await asUnconfirmedFromBefore(p, await signUp(p));
    const { token, url } = lastMailTo(p, a.email, /confirm/i);
    expect(url.pathname).to.equal("/verify-email");
    expect((await call("POST", "/api/auth/email/verify", undefined, { token })).status).to.equal(401);
    const wrongAccount = await call("POST", "/api/auth/email/verify", other.accessToken, { token });
    expect(wrongAccount.status).to.equal(400);
    expect(wrongAccount.error.code).to.equal("LINK_INVALID");
    expect(
      (await call("POST", "/api/auth/email/verify", a.accessToken, { token: token.slice(0, -2) + "xx" })).status,
    ).to.equal(400);
    const ok = await call("POST", "/api/auth/email/verify", a.accessToken, { token });
    expect(ok.status).to.equal(200);
    expect(ok.body.user.emailVerified).to.equal(true);
    // A new link can be asked for while unconfirmed only; it carries where the app goes next.
    const resend = await call("POST", "/api/auth/email/verification", other.accessToken, { next: "/invitations/abc" });
    expect(resend.status).to.equal(202);
    expect(lastMailTo(p, other.email, /confirm/i).url.searchParams.get("next")).to.equal("/invitations/abc");
    const offsite = await call("POST", "/api/auth/email/verification", other.accessToken, { next: "//evil.test/x" });
    expect(offsite.status).to.equal(202);
    expect(lastMailTo(p, other.email, /confirm/i).url.searchParams.get("next")).to.equal(null);
    expect((await call("POST", "/api/auth/email/verification", a.accessToken, {})).status).to.equal(409);
  });

  it("refresh cookie: httpOnly, SameSite=Strict, scoped to the refresh path; refreshes without the body token; log-out clears it", async () => {
    const { email } = await signUp(p);
    const login = await logIn(p, email, PASSWORD, from());
    const set = login.headers.getSetCookie().find((c) => c.startsWith("chatlens_refresh="))!;
    expect(set)
      .to.match(/HttpOnly/)
      .and.match(/SameSite=Strict/)
      .and.match(/Path=\/api\/auth\/refresh(;|$)/);
    expect(set).to.not.match(/Secure/); // development over http; production adds Secure
    const cookie = set.split(";")[0]!;
    const refreshed = await call("POST", "/api/auth/refresh", undefined, {}, { cookie });
    expect(refreshed.status, JSON.stringify(refreshed.body)).to.equal(200);
    expect(refreshed.body.accessToken).to.be.a("string");
    const rotated = refreshed.headers.getSetCookie().find((c) => c.startsWith("chatlens_refresh="))!;
    expect(rotated.split(";")[0]).to.not.equal(cookie);
    const out = await call("POST", "/api/auth/logout", refreshed.body.accessToken, {});
    expect(out.headers.getSetCookie().find((c) => c.startsWith("chatlens_refresh="))).to.match(/Max-Age=0/);
    expect(
      (await call("POST", "/api/auth/refresh", undefined, {}, { cookie: rotated.split(";")[0]! })).status,
    ).to.equal(401);
  });

  it("M7: security headers on API answers, the app page and the API docs", async () => {
    for (const path of ["/api/health", "/api/docs", "/api/nope", "/"]) {
      const res = await fetch(p.baseUrl + path);
      const csp = res.headers.get("content-security-policy") ?? "";
      expect(csp, path).to.contain("frame-ancestors 'none'");
      expect(csp, path).to.match(/script-src 'self'( 'sha256-[^']+')*;/);
      expect(csp, path).to.not.contain("unsafe-inline' 'self'; script");
      expect(res.headers.get("x-content-type-options"), path).to.equal("nosniff");
      expect(res.headers.get("x-frame-options"), path).to.equal("DENY");
      expect(res.headers.get("referrer-policy"), path).to.equal("no-referrer");
      expect(res.headers.get("strict-transport-security"), path).to.equal(null); // not over development http
    }
  });
});
