import { ClientError } from "../../../core/errors.ts";
import { createUserWithOrg, findUserByEmail, getUser, markEmailVerified, type UserRow } from "../accounts.ts";
import { bindingMatches } from "../cookies.ts";
import { appLink, signupAttemptMail } from "../mail.ts";
import { getMembership, listUserOrgs } from "../orgs.ts";
import { hashPassword, passwordMatches } from "../passwords.ts";
import { issueRefreshToken, rotateRefreshToken } from "../refresh.ts";
import { consumeAuthCode, createSession, revokeSession, type SessionRow } from "../sessions.ts";
import { signAccessToken, signChallengeToken, TokenVerificationError, verifyChallengeToken } from "../tokens.ts";
import * as totp from "../totp.ts";
import { invalid, ipOf, record, sendMail, sessionIdOf, type AuthDeps, type Caller } from "./context.ts";
import { confirmationClaims, sendVerification } from "./email-verification.ts";

/** Sign-up, log-in (password, second factor, OAuth code), token refresh and log-out. */

/** `refreshToken`: a new one (the service also sets it as the refresh cookie), or null when none was issued. */
export function tokenResponse(deps: AuthDeps, session: SessionRow, orgId: string | null, refreshToken: string | null) {
  return {
    accessToken: signAccessToken({ userId: session.userId, sessionId: session.id, orgId }, deps.tokens),
    refreshToken,
    tokenType: "Bearer" as const,
    expiresIn: deps.config.ACCESS_TOKEN_TTL_S,
    sessionId: session.id,
    orgId,
  };
}

export type TokenResponse = ReturnType<typeof tokenResponse>;

function mfaChallenge(deps: AuthDeps, user: UserRow, method: string) {
  return {
    mfaRequired: true as const,
    challengeToken: signChallengeToken({ userId: user.id, method }, deps.tokens, deps.config.MFA_CHALLENGE_TTL_S),
  };
}

type MfaChallenge = ReturnType<typeof mfaChallenge>;

/** The org a new session starts in: the user's first membership (their personal org). */
async function defaultOrg(deps: AuthDeps, userId: string): Promise<string | null> {
  const [first] = await listUserOrgs(deps.db, userId);
  return first?.id ?? null;
}

/** The session's org while the user is still a member; otherwise their default org. */
async function currentOrg(deps: AuthDeps, session: SessionRow): Promise<string | null> {
  if (session.orgId && (await getMembership(deps.db, session.orgId, session.userId))) return session.orgId;
  return defaultOrg(deps, session.userId);
}

export async function openSession(
  deps: AuthDeps,
  caller: Caller,
  user: UserRow,
  o: { mfa: boolean; method: string; audit?: boolean },
): Promise<TokenResponse> {
  const { config } = deps;
  const orgId = await defaultOrg(deps, user.id);
  const session = await createSession(deps.db, {
    userId: user.id,
    orgId,
    device: caller.meta.userAgent ?? "",
    ip: ipOf(caller),
    mfa: o.mfa,
    absoluteTtlS: config.SESSION_ABSOLUTE_TTL_S,
  });
  const refresh = await issueRefreshToken(deps.db, session, config.REFRESH_TOKEN_TTL_S);
  if (o.audit !== false)
    await record(deps, caller, "user.loggedIn", {
      actorId: user.id,
      orgId,
      target: session.id,
      data: { method: o.method },
    });
  return tokenResponse(deps, session, orgId, refresh.token);
}

/** Ends sessions: in the database, in every node's credential cache, and in the audit log. */
export async function endSessions(deps: AuthDeps, caller: Caller, ids: string[], reason: string): Promise<void> {
  for (const id of ids) await revokeSession(deps.db, id, reason);
  deps.credentials.sessionsEnded(ids);
  for (const id of ids) await record(deps, caller, "session.ended", { target: id, data: { reason } });
}

/** A TOTP code (single use per time step) or one unused recovery code. */
export async function checkSecondFactor(
  deps: AuthDeps,
  caller: Caller,
  user: UserRow,
  given: string,
): Promise<boolean> {
  if (/^\d{6}$/.test(given)) return totp.consumeTotp(deps.db, user, given, deps.config.secrets.MFA_ENCRYPTION_KEY);
  if (totp.looksLikeRecoveryCode(given) && (await totp.consumeRecoveryCode(deps.db, user.id, given))) {
    await record(deps, caller, "mfa.recoveryCodeUsed", { actorId: user.id, orgId: null, target: user.id });
    return true;
  }
  return false;
}

/**
 * The same answer whether or not the address already has an account (L5), so sign-up tells
 * nobody which addresses are registered: a new account gets the confirmation link, the owner
 * of an existing one a note that someone tried (at most a few per window, so it cannot be used
 * to flood their mailbox). The password is hashed either way: the answer takes as long.
 */
export async function signup(
  deps: AuthDeps,
  caller: Caller,
  p: { email: string; password: string; displayName?: string; next?: string },
): Promise<{ ok: true }> {
  const ip = ipOf(caller);
  // Counted per client address like any other guessing.
  if (await deps.credLimiter.blocked("signup", ip, ip))
    throw new ClientError("RATE_LIMITED", "Too many sign-up attempts from this address; try again later");
  const made = await createUserWithOrg(deps.db, {
    email: p.email,
    passwordHash: await hashPassword(p.password, deps.hashOptions),
    displayName: p.displayName,
  });
  if (made) {
    await record(deps, caller, "user.signedUp", { actorId: made.user.id, orgId: made.orgId, target: made.user.id });
    await sendVerification(deps, made.user, p.next);
    return { ok: true };
  }
  await deps.credLimiter.failed("signup", ip, ip);
  const owner = await findUserByEmail(deps.db, p.email);
  if (owner && !owner.disabled && !(await deps.credLimiter.blocked("signup-notice", owner.id, ip))) {
    await deps.credLimiter.failed("signup-notice", owner.id, ip);
    // A sign-up that was never confirmed gets a fresh link (its owner lost the first mail);
    // a confirmed account's owner is told that someone tried.
    if (!owner.emailVerified) await sendVerification(deps, owner, p.next);
    else
      await sendMail(
        deps,
        signupAttemptMail(
          owner.email,
          appLink(deps.appBase, "/login", {}),
          appLink(deps.appBase, "/forgot-password", {}),
        ),
      );
  }
  await record(deps, caller, "user.signupAttempted", {
    outcome: "failure",
    actorId: null,
    orgId: null,
    target: owner?.id,
  });
  return { ok: true };
}

export async function login(
  deps: AuthDeps,
  caller: Caller,
  p: { email: string; password: string },
): Promise<TokenResponse | MfaChallenge> {
  const { email, password } = p;
  const ip = ipOf(caller);
  if (await deps.limiter.blocked(email, ip)) {
    await record(deps, caller, "user.loginFailed", {
      outcome: "failure",
      orgId: null,
      actorId: null,
      data: { email, reason: "rate_limited" },
    });
    throw new ClientError("RATE_LIMITED", "Too many failed log-in attempts; try again later");
  }
  const user = await findUserByEmail(deps.db, email);
  const ok = await passwordMatches(user?.passwordHash, password, deps.hashOptions);
  // A disabled account answers exactly like a wrong password: no oracle for its password (L5).
  // So does an account whose address was never confirmed: otherwise signing up with an address
  // and logging in with the password just chosen would tell whether the address already had an
  // account. A new account's first session opens from its confirmation link (confirmSignup).
  const unconfirmed = !!user && !user.emailVerified;
  if (!user || !ok || user.disabled || unconfirmed) {
    // Counted like a wrong password even when right, so the limit tells nothing either.
    if (!ok || unconfirmed) await deps.limiter.failed(email, ip);
    await record(deps, caller, "user.loginFailed", {
      outcome: "failure",
      orgId: null,
      actorId: user?.id ?? null,
      data: { email, reason: loginFailure(user, ok) },
    });
    throw invalidCredentials();
  }
  await deps.limiter.succeeded(email, ip);
  if (user.mfaEnabled) return mfaChallenge(deps, user, "password");
  return openSession(deps, caller, user, { mfa: false, method: "password" });
}

function invalidCredentials(): ClientError {
  return new ClientError(
    "INVALID_CREDENTIALS",
    "Invalid e-mail address or password (a new account logs in first from the link in its confirmation mail)",
  );
}

function loginFailure(user: UserRow | undefined, passwordOk: boolean): string {
  if (!user || !passwordOk) return "invalid_credentials";
  return user.disabled ? "account_disabled" : "email_unconfirmed";
}

/**
 * The link from the confirmation mail and the account's password: confirms the address and
 * opens the account's first session. The password is what stops a stranger who receives a link
 * for an account somebody else created with their address from confirming it for its creator
 * (account pre-hijacking, H1): only whoever chose the password gets in. Clicking a link again
 * after confirming just logs in.
 */
export async function confirmSignup(
  deps: AuthDeps,
  caller: Caller,
  p: { token: string; password: string },
): Promise<TokenResponse | MfaChallenge> {
  const claims = confirmationClaims(deps, p.token);
  const ip = ipOf(caller);
  if (await deps.credLimiter.blocked("confirm", claims.userId, ip))
    throw new ClientError("RATE_LIMITED", "Too many failed attempts; try again later");
  const user = await getUser(deps.db, claims.userId);
  const ok = await passwordMatches(user?.passwordHash, p.password, deps.hashOptions);
  if (user && user.email !== claims.email)
    throw new ClientError("LINK_INVALID", "This confirmation link is for an address the account no longer has");
  if (!user || !ok || user.disabled) {
    if (!ok) await deps.credLimiter.failed("confirm", claims.userId, ip);
    await record(deps, caller, "user.loginFailed", {
      outcome: "failure",
      orgId: null,
      actorId: user?.id ?? null,
      data: { email: claims.email, reason: loginFailure(user, ok), via: "confirmation_link" },
    });
    throw new ClientError("INVALID_CREDENTIALS", "Wrong password for this account");
  }
  if (!user.emailVerified) {
    if (!(await markEmailVerified(deps.db, user.id, claims.email)))
      throw new ClientError("LINK_INVALID", "This confirmation link is for an address the account no longer has");
    deps.credentials.accessChanged();
    await record(deps, caller, "user.emailVerified", {
      actorId: user.id,
      orgId: null,
      target: user.id,
      data: { email: claims.email },
    });
  }
  await deps.limiter.succeeded(user.email, ip);
  if (user.mfaEnabled) return mfaChallenge(deps, user, "password");
  return openSession(deps, caller, user, { mfa: false, method: "password" });
}

export async function loginMfa(
  deps: AuthDeps,
  caller: Caller,
  p: { challengeToken: string; code: string },
): Promise<TokenResponse> {
  let claims;
  try {
    claims = verifyChallengeToken(p.challengeToken, deps.tokens);
  } catch (err) {
    throw new ClientError(
      err instanceof TokenVerificationError ? err.code : "TOKEN_INVALID",
      "Invalid or expired challenge",
    );
  }
  const user = await getUser(deps.db, claims.userId);
  if (!user || !user.mfaEnabled) throw new ClientError("TOKEN_INVALID", "Invalid or expired challenge");
  if (user.disabled) throw new ClientError("ACCOUNT_DISABLED", "This account is disabled");
  const ip = ipOf(caller);
  if (await deps.credLimiter.blocked("mfa", user.id, ip))
    throw new ClientError("RATE_LIMITED", "Too many failed attempts; try again later");
  if (!(await checkSecondFactor(deps, caller, user, p.code))) {
    await deps.credLimiter.failed("mfa", user.id, ip);
    await record(deps, caller, "user.loginFailed", {
      outcome: "failure",
      orgId: null,
      actorId: user.id,
      data: { reason: "mfa_invalid" },
    });
    throw new ClientError("MFA_INVALID", "Invalid or already used code");
  }
  return openSession(deps, caller, user, { mfa: true, method: claims.method });
}

export async function exchangeCode(
  deps: AuthDeps,
  caller: Caller,
  p: { code: string },
): Promise<TokenResponse | MfaChallenge> {
  // Only the browser that completed the OAuth flow holds the code's binding cookie (L3);
  // checked before the code is consumed, so a refused attempt does not burn it.
  if (!bindingMatches(deps.config.secrets.OAUTH_SESSION_SECRET, p.code, caller.meta.cookies?.oauthBinding))
    throw new ClientError("TOKEN_INVALID", "Invalid or expired code");
  const row = await consumeAuthCode(deps.db, p.code);
  if (!row) throw new ClientError("TOKEN_INVALID", "Invalid or expired code");
  const user = await getUser(deps.db, row.userId);
  if (!user) throw new ClientError("TOKEN_INVALID", "Invalid or expired code");
  if (user.disabled) throw new ClientError("ACCOUNT_DISABLED", "This account is disabled");
  if (user.mfaEnabled) return mfaChallenge(deps, user, `oauth:${row.provider}`);
  return openSession(deps, caller, user, { mfa: false, method: `oauth:${row.provider}` });
}

/** The refresh token comes from the JSON body (API clients) or the httpOnly cookie (the web app). */
export async function refresh(deps: AuthDeps, caller: Caller, p: { refreshToken?: string }): Promise<TokenResponse> {
  const presented = p.refreshToken ?? caller.meta.cookies?.refresh;
  if (!presented) throw invalid("refreshToken", "is required (in the body, or the refresh cookie)");
  const result = await rotateRefreshToken(deps.db, presented, {
    ttlS: deps.config.REFRESH_TOKEN_TTL_S,
    graceS: deps.config.REFRESH_REUSE_GRACE_S,
  });
  switch (result.kind) {
    case "invalid":
    case "expired":
      throw new ClientError("TOKEN_INVALID", "Invalid or expired refresh token");
    case "sessionEnded":
      throw new ClientError("SESSION_REVOKED", "This session has ended; log in again");
    case "reused":
      await endSessions(deps, caller, [result.session.id], "token_reuse");
      await record(deps, caller, "token.reused", {
        outcome: "failure",
        actorId: result.session.userId,
        orgId: result.session.orgId,
        target: result.session.id,
      });
      throw new ClientError("TOKEN_REUSED", "This refresh token was already used; the session has been ended");
  }
  const user = await getUser(deps.db, result.session.userId);
  if (!user || user.disabled) throw new ClientError("SESSION_REVOKED", "This session has ended; log in again");
  const orgId = await currentOrg(deps, result.session);
  return tokenResponse(deps, result.session, orgId, result.kind === "rotated" ? result.refreshToken : null);
}

export async function logout(deps: AuthDeps, caller: Caller): Promise<{ ok: true }> {
  await endSessions(deps, caller, [sessionIdOf(caller)], "logout");
  return { ok: true };
}
