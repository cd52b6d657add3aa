import { expect } from "chai";
import sinon from "sinon";
import { findUserByEmail, getUser, setDisabled } from "../../../../services/auth/accounts.ts";
import { hashPassword } from "../../../../services/auth/passwords.ts";
import { changePassword, forgotPassword, resetPassword } from "../../../../services/auth/use-cases/password.ts";
import { login, signup } from "../../../../services/auth/use-cases/sign-in.ts";
import { anonymous, auditTrail, authHarness, member, userCaller, type AuthHarness } from "../deps.ts";

function linkToken(text: string): string {
  const link = /https:\/\/chatlens\.example\/\S+/.exec(text)?.[0];
  expect(link, text).to.be.a("string");
  return new URL(link!).searchParams.get("token")!;
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { type?: string }).type ?? String(err);
  }
  return "no error";
}

describe("auth use cases: forgotten, reset and changed passwords", function () {
  this.timeout(60_000);
  let h: AuthHarness;
  beforeEach(async () => {
    h = await authHarness({ CREDENTIAL_RATE_LIMIT: "3", PASSWORD_RESET_TTL_S: "1800" });
  });
  afterEach(async () => h?.close());

  const withPassword = async (email: string, password: string) =>
    member(h, email, { passwordHash: await hashPassword(password, h.deps.hashOptions) });
  const loginAs = (email: string, password: string, ip?: string) =>
    login(h.deps, anonymous(ip), { email, password }) as Promise<{ sessionId: string; orgId: string }>;

  it("a reset link goes only to an enabled account, and the answer is the same for every address", async () => {
    const { user } = await withPassword("uma@example.org", "uma's old password");
    await withPassword("vic@example.org", "vic's old password").then((v) => setDisabled(h.deps.db, v.user.id, true));
    for (const email of ["UMA@example.org ", "nobody@example.org", "vic@example.org"])
      expect(await forgotPassword(h.deps, anonymous(), { email })).to.deep.equal({ ok: true });
    expect(h.mail.map((m) => m.to)).to.deep.equal(["uma@example.org"]);
    expect(h.mail[0]!.text).to.include("https://chatlens.example/reset-password?token=");
    const requested = (await auditTrail(h)).filter((e) => e.action === "user.passwordResetRequested");
    expect(requested.map((e) => e.target)).to.deep.equal([user.id]);
  });

  it("resetting sets the new password, ends every session, and the link then stops working", async () => {
    await withPassword("wes@example.org", "wes's old password");
    const a = await loginAs("wes@example.org", "wes's old password", "192.0.2.10");
    const b = await loginAs("wes@example.org", "wes's old password", "192.0.2.11");
    await forgotPassword(h.deps, anonymous(), { email: "wes@example.org" });
    const token = linkToken(h.mail[0]!.text);
    expect(await resetPassword(h.deps, anonymous(), { token, newPassword: "wes's new password" })).to.deep.equal({
      ok: true,
    });
    expect(h.ended).to.have.length(1);
    expect(h.ended[0]).to.have.members([a.sessionId, b.sessionId]);
    expect(await codeOf(loginAs("wes@example.org", "wes's old password"))).to.equal("INVALID_CREDENTIALS");
    expect(await loginAs("wes@example.org", "wes's new password")).to.have.property("accessToken");
    // The password it was made for has changed: the same link is dead.
    expect(await codeOf(resetPassword(h.deps, anonymous(), { token, newPassword: "a third password" }))).to.equal(
      "LINK_INVALID",
    );
  });

  it("a forged, truncated or expired link is refused, and guessing is rate-limited per address", async () => {
    const clock = sinon.useFakeTimers({ now: Date.now(), toFake: ["Date"] });
    try {
      await withPassword("xia@example.org", "xia's old password");
      await forgotPassword(h.deps, anonymous(), { email: "xia@example.org" });
      const token = linkToken(h.mail[0]!.text);
      const reset = (ip: string, t: string) =>
        resetPassword(h.deps, anonymous(ip), { token: t, newPassword: "x".repeat(12) });
      clock.tick(1800_000 + 1000);
      expect(await codeOf(reset("192.0.2.2", token))).to.equal("LINK_INVALID");
      // Three wrong links from one address (CREDENTIAL_RATE_LIMIT): forged signature, cut short, junk.
      const [head, body] = token.split(".");
      for (const wrong of [`${head}.${body}.${"A".repeat(43)}`, token.slice(0, -3), "junk"])
        expect(await codeOf(reset("192.0.2.1", wrong))).to.equal("LINK_INVALID");
      expect(await codeOf(reset("192.0.2.1", token))).to.equal("RATE_LIMITED");
      // The limit's window (CREDENTIAL_RATE_WINDOW_S) passes: the address may try again.
      clock.tick(h.deps.config.CREDENTIAL_RATE_WINDOW_S * 1000 + 1000);
      expect(await codeOf(reset("192.0.2.1", "junk"))).to.equal("LINK_INVALID");
    } finally {
      clock.restore();
    }
  });

  it("an unconfirmed account someone made with the address yields it to the mailbox owner who resets (pre-hijacking)", async () => {
    await signup(h.deps, anonymous("203.0.113.66"), { email: "yan@example.org", password: "the squatter's password" });
    const squatter = (await findUserByEmail(h.deps.db, "yan@example.org"))!;
    h.mail.length = 0;
    await forgotPassword(h.deps, anonymous(), { email: "yan@example.org" });
    const token = linkToken(h.mail[0]!.text);
    await resetPassword(h.deps, anonymous(), { token, newPassword: "yan's own password" });
    const owner = (await findUserByEmail(h.deps.db, "yan@example.org"))!;
    expect(owner.id).to.not.equal(squatter.id);
    expect(owner.emailVerified).to.equal(true);
    expect((await getUser(h.deps.db, squatter.id))!.email).to.not.equal("yan@example.org");
    expect(await loginAs("yan@example.org", "yan's own password")).to.have.property("accessToken");
    expect(await codeOf(loginAs("yan@example.org", "the squatter's password"))).to.equal("INVALID_CREDENTIALS");
    expect((await auditTrail(h)).map((e) => e.action)).to.include.members(["user.emailReleased", "user.signedUp"]);
  });

  it("changing the password needs the current one (rate-limited), ends every session and opens a fresh one", async () => {
    const { user } = await withPassword("zoe@example.org", "zoe's old password");
    const s = await loginAs("zoe@example.org", "zoe's old password");
    const as = userCaller(user.id, s.orgId, "owner", { sessionId: s.sessionId });
    expect(await codeOf(changePassword(h.deps, as, { newPassword: "zoe's new password" }))).to.equal(
      "INVALID_CREDENTIALS",
    );
    expect(
      await codeOf(changePassword(h.deps, as, { currentPassword: "wrong", newPassword: "zoe's new password" })),
    ).to.equal("INVALID_CREDENTIALS");
    const fresh = await changePassword(h.deps, as, {
      currentPassword: "zoe's old password",
      newPassword: "zoe's new password",
    });
    expect(fresh.sessionId).to.not.equal(s.sessionId);
    expect(h.ended).to.deep.equal([[s.sessionId]]);
    expect(await loginAs("zoe@example.org", "zoe's new password")).to.have.property("accessToken");
    // One more wrong guess reaches the limit (3); after it even the right password is refused.
    await codeOf(changePassword(h.deps, as, { currentPassword: "wrong again", newPassword: "x".repeat(12) }));
    expect(
      await codeOf(changePassword(h.deps, as, { currentPassword: "zoe's new password", newPassword: "x".repeat(12) })),
    ).to.equal("RATE_LIMITED");
  });
});
