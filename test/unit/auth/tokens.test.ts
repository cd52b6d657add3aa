import { expect } from "chai";
import jwt from "jsonwebtoken";
import {
  AccessTokenVerifier,
  signAccessToken,
  signChallengeToken,
  verifyAccessToken,
  verifyChallengeToken,
} from "../../../services/auth/tokens.ts";

const settings = { secret: "s".repeat(40), issuer: "chatlens", audience: "chatlens-api", accessTtlS: 60 };

describe("auth tokens", () => {
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
});
