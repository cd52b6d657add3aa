import { expect } from "chai";
import sinon from "sinon";
import { getUser } from "../../../../services/auth/accounts.ts";
import { hashPassword } from "../../../../services/auth/passwords.ts";
import { getSession } from "../../../../services/auth/sessions.ts";
import { generateCode, RECOVERY_CODE_COUNT } from "../../../../services/auth/totp.ts";
import { confirmMfa, disableMfa, enrolMfa } from "../../../../services/auth/use-cases/mfa.ts";
import { login, loginMfa } from "../../../../services/auth/use-cases/sign-in.ts";
import { anonymous, auditTrail, authHarness, member, userCaller, type AuthHarness } from "../deps.ts";

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { type?: string }).type ?? String(err);
  }
  return "no error";
}

describe("auth use cases: two-factor authentication", function () {
  this.timeout(60_000);
  let h: AuthHarness;
  let clock: sinon.SinonFakeTimers;
  beforeEach(async () => {
    h = await authHarness({ CREDENTIAL_RATE_LIMIT: "5" });
    // TOTP codes belong to 30 s steps of Date.now(): only Date is faked (PGlite's timers stay real).
    clock = sinon.useFakeTimers({ now: Date.now(), toFake: ["Date"] });
  });
  afterEach(async () => {
    clock.restore();
    await h?.close();
  });

  /** A confirmed account with a password, signed in, with TOTP enrolled and confirmed. */
  async function enrolled(email: string) {
    const { user, orgId } = await member(h, email, {
      passwordHash: await hashPassword("pw of " + email, h.deps.hashOptions),
    });
    const as = userCaller(user.id, orgId, "owner");
    const { secret } = await enrolMfa(h.deps, as);
    const { recoveryCodes } = await confirmMfa(h.deps, as, { code: generateCode(secret, Date.now()) });
    return { user, as, secret, recoveryCodes, password: "pw of " + email };
  }

  it("enrolment takes effect only once a code confirms it, and cannot start twice", async () => {
    const { user, orgId } = await member(h, "mo@example.org");
    const as = userCaller(user.id, orgId, "owner");
    const { secret, otpauthUri, qrCodeDataUrl } = await enrolMfa(h.deps, as);
    expect(otpauthUri).to.match(/^otpauth:\/\/totp\/chatlens:mo%40example\.org\?/);
    expect(qrCodeDataUrl).to.match(/^data:image\/png;base64,/);
    expect((await getUser(h.deps.db, user.id))!.mfaEnabled).to.equal(false);
    for (const wrong of ["000000", "12345", "abcdef", generateCode(secret, Date.now() - 10 * 60_000)])
      expect(await codeOf(confirmMfa(h.deps, as, { code: wrong })), wrong).to.equal("MFA_INVALID");
    const { enabled, recoveryCodes } = await confirmMfa(h.deps, as, { code: generateCode(secret, Date.now()) });
    expect(enabled).to.equal(true);
    expect(recoveryCodes).to.have.length(RECOVERY_CODE_COUNT);
    expect(new Set(recoveryCodes).size).to.equal(RECOVERY_CODE_COUNT);
    expect((await getUser(h.deps.db, user.id))!.mfaEnabled).to.equal(true);
    expect(await codeOf(enrolMfa(h.deps, as))).to.equal("CONFLICT");
    expect((await auditTrail(h)).map((e) => e.action)).to.include("mfa.enabled");
  });

  it("log-in asks for the second factor; a code works once per step, a recovery code once at all", async () => {
    const { secret, recoveryCodes, password } = await enrolled("ned@example.org");
    const challenge = (await login(h.deps, anonymous(), { email: "ned@example.org", password })) as {
      mfaRequired: true;
      challengeToken: string;
    };
    expect(challenge.mfaRequired).to.equal(true);
    expect(challenge).to.not.have.property("accessToken");
    // The code that confirmed the enrolment was used in this step: replaying it fails.
    const used = generateCode(secret, Date.now());
    expect(
      await codeOf(loginMfa(h.deps, anonymous(), { challengeToken: challenge.challengeToken, code: used })),
    ).to.equal("MFA_INVALID");
    clock.tick(30_000);
    const next = generateCode(secret, Date.now());
    const opened = await loginMfa(h.deps, anonymous(), { challengeToken: challenge.challengeToken, code: next });
    expect((await getSession(h.deps.db, opened.sessionId))!.mfa).to.equal(true);
    expect(
      await codeOf(loginMfa(h.deps, anonymous(), { challengeToken: challenge.challengeToken, code: next })),
    ).to.equal("MFA_INVALID");
    const recovery = recoveryCodes[0]!;
    expect(
      await loginMfa(h.deps, anonymous(), { challengeToken: challenge.challengeToken, code: recovery }),
    ).to.have.property("accessToken");
    expect(
      await codeOf(loginMfa(h.deps, anonymous(), { challengeToken: challenge.challengeToken, code: recovery })),
    ).to.equal("MFA_INVALID");
    // A forged challenge, or an access token passed as one, is refused before any code is checked.
    expect(
      await codeOf(loginMfa(h.deps, anonymous(), { challengeToken: opened.accessToken, code: generateCode(secret) })),
    ).to.equal("TOKEN_INVALID");
  });

  it("the challenge expires with MFA_CHALLENGE_TTL_S", async () => {
    const { secret, password } = await enrolled("ola@example.org");
    const { challengeToken } = (await login(h.deps, anonymous(), { email: "ola@example.org", password })) as {
      challengeToken: string;
    };
    clock.tick((h.deps.config.MFA_CHALLENGE_TTL_S + 31) * 1000);
    expect(
      await codeOf(loginMfa(h.deps, anonymous(), { challengeToken, code: generateCode(secret, Date.now()) })),
    ).to.equal("TOKEN_EXPIRED");
  });

  it("turning it off needs a current code or the password, sharing one guess limit", async () => {
    const { user, as, password } = await enrolled("pat@example.org");
    for (let i = 0; i < 4; i++)
      expect(await codeOf(disableMfa(h.deps, as, { password: `guess ${i}` }))).to.equal("MFA_INVALID");
    expect(await codeOf(disableMfa(h.deps, as, { code: "123456" }))).to.equal("MFA_INVALID");
    expect(await codeOf(disableMfa(h.deps, as, { password }))).to.equal("RATE_LIMITED");
    // Counted per account too: another address does not help.
    const other = userCaller(user.id, null, null, { ip: "198.51.100.99" });
    expect(await codeOf(disableMfa(h.deps, other, { password }))).to.equal("RATE_LIMITED");
    clock.tick(h.deps.config.CREDENTIAL_RATE_WINDOW_S * 1000 + 1000);
    expect(await disableMfa(h.deps, other, { password })).to.deep.equal({ enabled: false });
    expect((await getUser(h.deps.db, user.id))!.mfaEnabled).to.equal(false);
    expect(await login(h.deps, anonymous(), { email: "pat@example.org", password })).to.have.property("accessToken");
    expect(await codeOf(disableMfa(h.deps, other, { password }))).to.equal("CONFLICT");
  });
});
