import { createSecretKey, type KeyObject } from "node:crypto";
import jwt from "jsonwebtoken";

/** HS256 only: `none` and every asymmetric algorithm (key-confusion attacks) are refused. */
const ALGORITHMS: jwt.Algorithm[] = ["HS256"];

export interface TokenSettings {
  secret: string;
  issuer: string;
  audience: string;
  accessTtlS: number;
}

export interface AccessClaims {
  userId: string;
  sessionId: string;
  orgId: string | null;
}

export type TokenError = "TOKEN_EXPIRED" | "TOKEN_INVALID";

export class TokenVerificationError extends Error {
  constructor(
    readonly code: TokenError,
    message: string,
  ) {
    super(message);
  }
}

// jsonwebtoken turns a string secret into a KeyObject on every call, first trying it as a PEM
// public key (createPublicKey throws, then it falls back to a secret key): about 0.2 ms per
// request, a tenth of a search through the gateway. The key is made once per settings object.
const keys = new WeakMap<TokenSettings, KeyObject>();
function keyOf(s: TokenSettings): KeyObject {
  let key = keys.get(s);
  if (!key) keys.set(s, (key = createSecretKey(Buffer.from(s.secret, "utf8"))));
  return key;
}

export function signAccessToken(claims: AccessClaims, s: TokenSettings): string {
  return jwt.sign({ typ: "access", sid: claims.sessionId, org: claims.orgId }, keyOf(s), {
    algorithm: "HS256",
    subject: claims.userId,
    issuer: s.issuer,
    audience: s.audience,
    expiresIn: s.accessTtlS,
  });
}

function verify(token: string, s: TokenSettings, audience: string, typ: string, nowMs = Date.now()): jwt.JwtPayload {
  let payload: jwt.JwtPayload | string;
  try {
    payload = jwt.verify(token, keyOf(s), {
      algorithms: ALGORITHMS,
      issuer: s.issuer,
      audience,
      clockTimestamp: Math.floor(nowMs / 1000),
    });
  } catch (err) {
    if (err instanceof jwt.TokenExpiredError) throw new TokenVerificationError("TOKEN_EXPIRED", "Token expired");
    throw new TokenVerificationError("TOKEN_INVALID", "Invalid token");
  }
  if (
    typeof payload === "string" ||
    payload.typ !== typ ||
    typeof payload.sub !== "string" ||
    typeof payload.exp !== "number"
  )
    throw new TokenVerificationError("TOKEN_INVALID", "Invalid token");
  return payload;
}

export function verifyAccessToken(token: string, s: TokenSettings): AccessClaims {
  return verifyAccessTokenUntil(token, s).claims;
}

function verifyAccessTokenUntil(
  token: string,
  s: TokenSettings,
  nowMs?: number,
): { claims: AccessClaims; expiresAtMs: number } {
  const p = verify(token, s, s.audience, "access", nowMs);
  if (typeof p.sid !== "string") throw new TokenVerificationError("TOKEN_INVALID", "Invalid token");
  return {
    claims: { userId: p.sub!, sessionId: p.sid, orgId: typeof p.org === "string" ? p.org : null },
    expiresAtMs: p.exp! * 1000,
  };
}

/**
 * Access tokens already verified, until they expire: a client sends the same token with every
 * request for its whole lifetime, and checking the signature and claims again each time cost
 * about 0.05 ms of a 1 ms search through the gateway (bench/RESULTS-index.md). Only a token that
 * passed full verification is kept, keyed by its exact text, and only until its `exp`; whether
 * its session is still open is checked separately on every request (auth.resolveCredential).
 */
export class AccessTokenVerifier {
  private readonly verified = new Map<string, { claims: AccessClaims; expiresAtMs: number }>();

  constructor(
    private readonly settings: TokenSettings,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  verify(token: string): AccessClaims {
    const now = this.now();
    const hit = this.verified.get(token);
    if (hit) {
      if (hit.expiresAtMs > now) return hit.claims;
      this.verified.delete(token);
    }
    const fresh = verifyAccessTokenUntil(token, this.settings, now);
    // Map order is insertion order: the oldest entry goes first when full.
    if (this.verified.size >= this.maxEntries) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, fresh);
    return fresh.claims;
  }
}

/**
 * The second step of a log-in with MFA: proves the password (or OAuth) step passed, names
 * the user and how the session should be opened. A different audience keeps it from ever
 * working as an access token.
 */
export interface ChallengeClaims {
  userId: string;
  method: string;
}

export function signChallengeToken(claims: ChallengeClaims, s: TokenSettings, ttlS: number): string {
  return jwt.sign({ typ: "mfa", method: claims.method }, keyOf(s), {
    algorithm: "HS256",
    subject: claims.userId,
    issuer: s.issuer,
    audience: `${s.audience}:mfa`,
    expiresIn: ttlS,
  });
}

export function verifyChallengeToken(token: string, s: TokenSettings): ChallengeClaims {
  const p = verify(token, s, `${s.audience}:mfa`, "mfa");
  return { userId: p.sub!, method: String(p.method ?? "password") };
}

/** API keys look like `cl_<prefix>_<secret>`; everything else with three dots is a JWT. */
export const looksLikeApiKey = (token: string) => token.startsWith("cl_");

/**
 * Links sent by e-mail: `verify` (confirms that address for that user) and `reset` (sets a new
 * password; `pwf` fingerprints the password hash at issue, so the link dies once the password
 * changes, which makes it single-use without a table). Their own audience keeps them from ever
 * working as access or challenge tokens.
 */
export type MailTokenPurpose = "verify" | "reset";

export interface MailTokenClaims {
  userId: string;
  email: string;
  pwf?: string;
}

export function signMailToken(
  purpose: MailTokenPurpose,
  claims: MailTokenClaims,
  s: TokenSettings,
  ttlS: number,
): string {
  return jwt.sign({ typ: purpose, email: claims.email, ...(claims.pwf ? { pwf: claims.pwf } : {}) }, keyOf(s), {
    algorithm: "HS256",
    subject: claims.userId,
    issuer: s.issuer,
    audience: `${s.audience}:${purpose}`,
    expiresIn: ttlS,
  });
}

export function verifyMailToken(purpose: MailTokenPurpose, token: string, s: TokenSettings): MailTokenClaims {
  const p = verify(token, s, `${s.audience}:${purpose}`, purpose);
  if (typeof p.email !== "string") throw new TokenVerificationError("TOKEN_INVALID", "Invalid token");
  return { userId: p.sub!, email: p.email, pwf: typeof p.pwf === "string" ? p.pwf : undefined };
}
