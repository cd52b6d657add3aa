import { expect } from "chai";
import { eq } from "drizzle-orm";
import { users } from "../../../models/schema.ts";
import { decrypt } from "../../../services/auth/crypto.ts";
import { generateCode } from "../../../services/auth/totp.ts";
import { caller } from "../../helpers/http.ts";
import { challengeOf, tokensOf } from "../../helpers/accounts.ts";
import type { TestPlatform } from "../../helpers/platform.ts";
import { addMember, AUTH_TEST_ENV, logIn, PASSWORD, signUp, startAuthPlatform, type Account } from "./fixtures.ts";

describe("auth: two-factor authentication (TOTP)", function () {
  let p: TestPlatform;
  before(async () => {
    p = await startAuthPlatform();
  });
  after(async () => p?.stop());
  const call = caller(() => p.baseUrl);

  /** Codes of the next time steps: each step's code is accepted once. */
  const codeAt = (secret: string, stepOffset: number) => generateCode(secret, Date.now() + stepOffset * 30_000);

  async function enrol(a: Account) {
    const start = await call("POST", "/api/auth/mfa/enrol", a.accessToken, {});
    expect(start.status).to.equal(200);
    const confirm = await call("POST", "/api/auth/mfa/confirm", a.accessToken, { code: codeAt(start.body.secret, 0) });
    expect(confirm.status, JSON.stringify(confirm.body)).to.equal(200);
    return { secret: start.body.secret, recoveryCodes: confirm.body.recoveryCodes };
  }

  it("enrolment returns a secret, an otpauth URI and a QR code, and stays off until confirmed", async () => {
    const a = await signUp(p);
    const start = await call("POST", "/api/auth/mfa/enrol", a.accessToken, {});
    expect(start.body.otpauthUri).to.match(/^otpauth:\/\/totp\//);
    expect(start.body.qrCodeDataUrl).to.match(/^data:image\/png;base64,/);
    expect(tokensOf((await logIn(p, a.email)).body).accessToken).to.be.a("string");
    expect((await call("POST", "/api/auth/mfa/confirm", a.accessToken, { code: "000000" })).status).to.equal(401);
  });

  it("stores the secret encrypted (AES-256-GCM) with MFA_ENCRYPTION_KEY", async () => {
    const a = await signUp(p);
    const { secret } = await enrol(a);
    const [row] = await p.database.db.select().from(users).where(eq(users.id, a.userId));
    expect(row!.mfaSecret).to.not.contain(secret);
    expect(decrypt(row!.mfaSecret!, AUTH_TEST_ENV.MFA_ENCRYPTION_KEY!)).to.equal(secret);
  });

  it("log-in asks for a code; a code works once; recovery codes work once", async () => {
    const a = await signUp(p);
    const { secret, recoveryCodes } = await enrol(a);
    expect(recoveryCodes).to.have.length(10);
    const first = await logIn(p, a.email);
    expect(first.status).to.equal(200);
    expect(first.body).to.include({ mfaRequired: true });
    expect(first.body).to.not.have.property("accessToken");
    // The confirmation used step 0; the next step's code finishes the log-in, once.
    const code = codeAt(secret, 1);
    const done = await call("POST", "/api/auth/login/mfa", undefined, {
      challengeToken: challengeOf(first.body).challengeToken,
      code,
    });
    expect(done.status, JSON.stringify(done.body)).to.equal(200);
    expect(done.body.accessToken).to.be.a("string");
    const again = await logIn(p, a.email);
    const replay = await call("POST", "/api/auth/login/mfa", undefined, {
      challengeToken: challengeOf(again.body).challengeToken,
      code,
    });
    expect(replay.status).to.equal(401);
    expect(replay.error.code).to.equal("MFA_INVALID");
    const viaRecovery = await call("POST", "/api/auth/login/mfa", undefined, {
      challengeToken: challengeOf(again.body).challengeToken,
      code: recoveryCodes[0],
    });
    expect(viaRecovery.status).to.equal(200);
    const third = await logIn(p, a.email);
    expect(
      (
        await call("POST", "/api/auth/login/mfa", undefined, {
          challengeToken: challengeOf(third.body).challengeToken,
          code: recoveryCodes[0],
        })
      ).status,
    ).to.equal(401);
    // A challenge token is not an access token.
    expect((await call("GET", "/api/auth/me", challengeOf(third.body).challengeToken)).status).to.equal(401);
  });

  it("disabling needs a fresh code or the password", async () => {
    const a = await signUp(p);
    const { secret } = await enrol(a);
    expect((await call("POST", "/api/auth/mfa/disable", a.accessToken, {})).status).to.equal(401);
    expect(
      (await call("POST", "/api/auth/mfa/disable", a.accessToken, { password: "wrong password!!" })).status,
    ).to.equal(401);
    expect((await call("POST", "/api/auth/mfa/disable", a.accessToken, { code: codeAt(secret, 0) })).status).to.equal(
      401,
    ); // already used
    const off = await call("POST", "/api/auth/mfa/disable", a.accessToken, { code: codeAt(secret, 1) });
    expect(off.status).to.equal(200);
    expect(tokensOf((await logIn(p, a.email)).body).accessToken).to.be.a("string");
    const b = await signUp(p);
    await enrol(b);
    expect((await call("POST", "/api/auth/mfa/disable", b.accessToken, { password: PASSWORD })).status).to.equal(200);
    const audit = await call("GET", "/api/auth/audit?action=mfa.enabled", b.accessToken);
    expect(audit.body.items).to.have.length(1);
  });

  it("an org that requires MFA refuses members without it on data actions until they enrol", async () => {
    const owner = await signUp(p);
    await enrol(owner);
    expect((await call("PATCH", "/api/auth/org", owner.accessToken, { requireMfa: true })).status).to.equal(200);
    const member = await addMember(p, owner, "viewer");
    const refused = await call("GET", "/api/auth/members", member.accessToken);
    expect(refused.status).to.equal(403);
    expect(refused.error.code).to.equal("MFA_ENROLMENT_REQUIRED");
    // Own account actions still work, so the member can enrol.
    expect((await call("GET", "/api/auth/me", member.accessToken)).status).to.equal(200);
    await enrol(member);
    expect((await call("GET", "/api/auth/members", member.accessToken)).status).to.equal(200);
  });
});
