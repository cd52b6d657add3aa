import { expect } from "chai";
import jwt from "jsonwebtoken";
import { canonicalLocale, createUserWithOrg, isHttpUrl, isTimeZone } from "../../../services/auth/accounts.ts";
import { createApiKey, resolveApiKey, revokeApiKey } from "../../../services/auth/api-keys.ts";
import { decrypt, encrypt, sha256 } from "../../../services/auth/crypto.ts";
import { changeRole, removeMember } from "../../../services/auth/orgs.ts";
import { hashPassword, verifyPassword } from "../../../services/auth/passwords.ts";
import { LoginLimiter, CredentialLimiter, MemoryRateLimitStore } from "../../../services/auth/rate-limit.ts";
import { issueRefreshToken, rotateRefreshToken } from "../../../services/auth/refresh.ts";
import { createSession } from "../../../services/auth/sessions.ts";
import {
  AccessTokenVerifier,
  signAccessToken,
  signChallengeToken,
  verifyAccessToken,
  verifyChallengeToken,
} from "../../../services/auth/tokens.ts";
import { codeStep, generateCode } from "../../../services/auth/totp.ts";
import { isolatedDatabase, type IsolatedDatabase } from "../../helpers/database.ts";

const settings = { secret: "s".repeat(40), issuer: "chatlens", audience: "chatlens-api", accessTtlS: 60 };

describe("auth domain: crypto, passwords, tokens, TOTP, limits, validators", () => {
  it("AES-256-GCM round-trips and detects tampering or a wrong key", () => {
    const sealed = encrypt("JBSWY3DPEHPK3PXP", "k".repeat(32));
    expect(decrypt(sealed, "k".repeat(32))).to.equal("JBSWY3DPEHPK3PXP");
    expect(() => decrypt(sealed, "x".repeat(32))).to.throw();
    const parts = sealed.split(".");
    parts[3] = Buffer.from("tampered").toString("base64url");
    expect(() => decrypt(parts.join("."), "k".repeat(32))).to.throw();
  });

  it("argon2id hashes verify, and a wrong password does not", async () => {
    const hash = await hashPassword("a long password", { memoryCost: 1024, timeCost: 1 });
    expect(hash).to.match(/^\$argon2id\$/);
    expect(await verifyPassword(hash, "a long password")).to.be.true;
    expect(await verifyPassword(hash, "another")).to.be.false;
    expect(await verifyPassword("garbage", "x")).to.be.false;
  });

  it("access tokens: HS256 only, typed, with iss/aud/exp", () => {
    const t = signAccessToken({ userId: "u", sessionId: "s", orgId: "o" }, settings);
    expect(verifyAccessToken(t, settings)).to.deep.equal({ userId: "u", sessionId: "s", orgId: "o" });
    const none = jwt.sign({ sid: "s", typ: "access" }, "", {
      algorithm: "none",
      subject: "u",
      issuer: "chatlens",
      audience: "chatlens-api",
      expiresIn: 60,
    });
    expect(() => verifyAccessToken(none, settings)).to.throw(/Invalid/);
    const challenge = signChallengeToken({ userId: "u", method: "password" }, settings, 60);
    expect(() => verifyAccessToken(challenge, settings)).to.throw();
    expect(verifyChallengeToken(challenge, settings).userId).to.equal("u");
    expect(() => verifyChallengeToken(t, settings)).to.throw();
  });

  it("the access-token verifier remembers a verified token only until it expires, and never a bad one", () => {
    let now = Date.now();
    const verifier = new AccessTokenVerifier(settings, 2, () => now);
    const t = signAccessToken({ userId: "u", sessionId: "s", orgId: "o" }, settings);
    expect(verifier.verify(t)).to.deep.equal({ userId: "u", sessionId: "s", orgId: "o" });
    expect(verifier.verify(t)).to.deep.equal({ userId: "u", sessionId: "s", orgId: "o" });
    // One changed signature character: verified in full, rejected, not remembered.
    const tampered = t.slice(0, -2) + (t.at(-2) === "A" ? "B" : "A") + t.at(-1);
    expect(() => verifier.verify(tampered)).to.throw(/Invalid/);
    expect(() => verifier.verify(tampered)).to.throw(/Invalid/);
    const other = new AccessTokenVerifier({ ...settings, secret: "x".repeat(40) }, 2, () => now);
    expect(() => other.verify(t)).to.throw(/Invalid/);
    // Past exp the remembered entry is dropped and the token verified again, which fails.
    now += (settings.accessTtlS + 1) * 1000;
    expect(() => verifier.verify(t)).to.throw();
    // Bounded: the oldest entry goes when full.
    now = Date.now();
    const tokens = ["a", "b", "c"].map((sid) =>
      signAccessToken({ userId: "u", sessionId: sid, orgId: null }, settings),
    );
    for (const token of tokens) expect(verifier.verify(token).sessionId).to.be.oneOf(["a", "b", "c"]);
    expect((verifier as unknown as { verified: Map<string, unknown> }).verified.size).to.equal(2);
  });

  it("TOTP codes are valid for their step and one step either side", () => {
    const secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    const now = 1_700_000_000_000;
    const code = generateCode(secret, now);
    expect(codeStep(secret, code, now)).to.equal(Math.floor(now / 30_000));
    expect(codeStep(secret, code, now + 30_000)).to.equal(Math.floor(now / 30_000));
    expect(codeStep(secret, code, now + 120_000)).to.equal(undefined);
    expect(codeStep(secret, "12345", now)).to.equal(undefined);
  });

  it("the memory limiter counts failures per address and per account-and-address, never per account alone", async () => {
    const limiter = new LoginLimiter(new MemoryRateLimitStore(), { limit: 2, windowS: 60 });
    await limiter.failed("A@x.test", "1.1.1.1");
    await limiter.failed("a@x.test", "1.1.1.1");
    // The attacker's address is blocked, for this account and any other.
    expect(await limiter.blocked("a@x.test", "1.1.1.1")).to.be.true;
    expect(await limiter.blocked("b@x.test", "1.1.1.1")).to.be.true;
    // The owner, from their own address, is not locked out (L1).
    expect(await limiter.blocked("a@x.test", "2.2.2.2")).to.be.false;
    await limiter.failed("a@x.test", "3.3.3.3");
    expect(await limiter.blocked("a@x.test", "3.3.3.3")).to.be.false;
    await limiter.failed("b@x.test", "3.3.3.3");
    // Two failures from 3.3.3.3 (for different accounts) block that address.
    expect(await limiter.blocked("c@x.test", "3.3.3.3")).to.be.true;
    await limiter.succeeded("a@x.test", "4.4.4.4");
    expect(await limiter.blocked("a@x.test", "9.9.9.9")).to.be.false;
  });

  it("the credential limiter counts per subject and per address, in its own key space", async () => {
    const store = new MemoryRateLimitStore();
    const limiter = new CredentialLimiter(store, { limit: 2, windowS: 60 });
    await limiter.failed("mfa", "user-1", "1.1.1.1");
    await limiter.failed("mfa", "user-1", "2.2.2.2");
    expect(await limiter.blocked("mfa", "user-1", "5.5.5.5")).to.be.true;
    expect(await limiter.blocked("password", "user-1", "5.5.5.5")).to.be.false;
    expect(await limiter.blocked("mfa", "user-2", "5.5.5.5")).to.be.false;
  });

  it("profile validators: IANA zones, BCP-47 tags, http(s) URLs", () => {
    expect(isTimeZone("Europe/Berlin")).to.be.true;
    expect(isTimeZone("Mars/Base")).to.be.false;
    expect(canonicalLocale("en-gb")).to.equal("en-GB");
    expect(canonicalLocale("not a tag")).to.equal(undefined);
    expect(isHttpUrl("https://example.test/a.png")).to.be.true;
    expect(isHttpUrl("javascript:alert(1)")).to.be.false;
  });
});

describe("auth domain on a database: refresh rotation, API keys, memberships", function () {
  let d: IsolatedDatabase;
  before(async () => {
    d = await isolatedDatabase("pglite");
  });
  after(async () => d?.close());

  async function userAndOrg(email: string) {
    return (await createUserWithOrg(d.db, { email, passwordHash: null }))!;
  }

  it("rotates, allows the previous token only within grace, and reports reuse", async () => {
    const { user, orgId } = await userAndOrg("r@x.test");
    const session = await createSession(d.db, {
      userId: user.id,
      orgId,
      device: "",
      ip: "",
      mfa: false,
      absoluteTtlS: 3600,
    });
    const first = await issueRefreshToken(d.db, session, 600);
    const t0 = new Date();
    const r1 = await rotateRefreshToken(d.db, first.token, { ttlS: 600, graceS: 10 }, t0);
    expect(r1.kind).to.equal("rotated");
    expect(
      (await rotateRefreshToken(d.db, first.token, { ttlS: 600, graceS: 10 }, new Date(t0.getTime() + 5000))).kind,
    ).to.equal("grace");
    expect(
      (await rotateRefreshToken(d.db, first.token, { ttlS: 600, graceS: 10 }, new Date(t0.getTime() + 11_000))).kind,
    ).to.equal("reused");
    expect((await rotateRefreshToken(d.db, "unknown", { ttlS: 600, graceS: 10 })).kind).to.equal("invalid");
    expect(r1.kind === "rotated" && r1.refreshToken).to.not.equal(first.token);
  });

  it("stores only the hash of API keys; revoked keys stop resolving", async () => {
    const { user, orgId } = await userAndOrg("k@x.test");
    const { key, apiKey } = await createApiKey(d.db, {
      orgId,
      createdBy: user.id,
      name: "k",
      permissions: ["datasets.read"],
    });
    const rows = await d.rows<{ key_hash: string }>(
      (await import("drizzle-orm")).sql`select key_hash from api_keys where id = ${apiKey.id}`,
    );
    expect(rows[0]!.key_hash).to.equal(sha256(key));
    expect((await resolveApiKey(d.db, key))?.id).to.equal(apiKey.id);
    await revokeApiKey(d.db, orgId, apiKey.id);
    expect(await resolveApiKey(d.db, key)).to.equal(undefined);
  });

  it("never removes or demotes the last owner", async () => {
    const { user, orgId } = await userAndOrg("o@x.test");
    expect(await changeRole(d.db, orgId, "owner", user.id, "admin")).to.deep.equal({ ok: false, error: "LAST_OWNER" });
    expect(await removeMember(d.db, orgId, "owner", user.id)).to.deep.equal({ ok: false, error: "LAST_OWNER" });
    expect(await changeRole(d.db, orgId, "admin", user.id, "viewer")).to.deep.equal({ ok: false, error: "FORBIDDEN" });
  });
});
