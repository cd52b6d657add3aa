import { ClientError } from "../../../core/errors.ts";
import {
  createUserWithOrg,
  findUserByEmail,
  getUser,
  passwordFingerprint,
  releaseUnverifiedEmail,
  setPasswordHash,
} from "../accounts.ts";
import { appLink, passwordResetMail } from "../mail.ts";
import { hashPassword, verifyPassword } from "../passwords.ts";
import { revokeUserSessions } from "../sessions.ts";
import { signMailToken, verifyMailToken } from "../tokens.ts";
import { ipOf, record, sendMail, signedInUser, type AuthDeps, type Caller } from "./context.ts";
import { openSession, type TokenResponse } from "./sign-in.ts";

/** Forgotten-password links, resetting with one, and changing the password while signed in. */

/** Answers the same whether or not the address has an account. */
export async function forgotPassword(deps: AuthDeps, caller: Caller, p: { email: string }): Promise<{ ok: true }> {
  const { config } = deps;
  const ip = ipOf(caller);
  const address = p.email.trim().toLowerCase();
  if (await deps.credLimiter.blocked("reset-mail", address, ip))
    throw new ClientError("RATE_LIMITED", "Too many requests; try again later");
  await deps.credLimiter.failed("reset-mail", address, ip);
  const user = await findUserByEmail(deps.db, address);
  if (user && !user.disabled) {
    const token = signMailToken(
      "reset",
      { userId: user.id, email: user.email, pwf: passwordFingerprint(user) },
      deps.tokens,
      config.PASSWORD_RESET_TTL_S,
    );
    await sendMail(
      deps,
      passwordResetMail(user.email, appLink(deps.appBase, "/reset-password", { token }), config.PASSWORD_RESET_TTL_S),
    );
    await record(deps, caller, "user.passwordResetRequested", { actorId: null, orgId: null, target: user.id });
  }
  return { ok: true };
}

/** Sets a new password with a reset link's token; every session of the account ends. */
export async function resetPassword(
  deps: AuthDeps,
  caller: Caller,
  p: { token: string; newPassword: string },
): Promise<{ ok: true }> {
  const ip = ipOf(caller);
  if (await deps.credLimiter.blocked("reset", ip, ip))
    throw new ClientError("RATE_LIMITED", "Too many attempts; try again later");
  const refuse = async () => {
    await deps.credLimiter.failed("reset", ip, ip);
    return new ClientError("LINK_INVALID", "This reset link is invalid, expired or already used; ask for a new one");
  };
  let claims;
  try {
    claims = verifyMailToken("reset", p.token, deps.tokens);
  } catch {
    throw await refuse();
  }
  const user = await getUser(deps.db, claims.userId);
  if (!user || user.disabled || claims.pwf !== passwordFingerprint(user) || user.email !== claims.email)
    throw await refuse();
  const hash = await hashPassword(p.newPassword, deps.hashOptions);
  if (user.emailVerified) {
    await setPasswordHash(deps.db, user.id, hash);
    const ended = await revokeUserSessions(deps.db, user.id, "password_reset");
    deps.credentials.sessionsEnded(ended);
    await record(deps, caller, "user.passwordReset", {
      actorId: user.id,
      orgId: null,
      target: user.id,
      data: { sessionsEnded: ended.length },
    });
    return { ok: true };
  }
  // An unverified account may have been made by someone else with this address (H1): the
  // mailbox owner gets a fresh, verified account with this password; the old one keeps
  // its data but yields the address.
  await releaseUnverifiedEmail(deps.db, user.id);
  const made = await createUserWithOrg(deps.db, { email: claims.email, passwordHash: hash, emailVerified: true });
  if (!made) throw await refuse();
  await record(deps, caller, "user.emailReleased", {
    actorId: made.user.id,
    orgId: null,
    target: user.id,
    data: { reason: "password_reset" },
  });
  await record(deps, caller, "user.signedUp", {
    actorId: made.user.id,
    orgId: made.orgId,
    target: made.user.id,
    data: { by: "password_reset" },
  });
  return { ok: true };
}

/** Every session ends, the caller's included; the caller continues in a fresh one. */
export async function changePassword(
  deps: AuthDeps,
  caller: Caller,
  p: { currentPassword?: string; newPassword: string },
): Promise<TokenResponse> {
  const user = await signedInUser(deps, caller);
  const ip = ipOf(caller);
  // An OAuth-only account sets its first password without one; everyone else proves the old one (limited, M4).
  if (user.passwordHash) {
    if (await deps.credLimiter.blocked("password", user.id, ip))
      throw new ClientError("RATE_LIMITED", "Too many wrong passwords; try again later");
    if (!(p.currentPassword && (await verifyPassword(user.passwordHash, p.currentPassword)))) {
      await deps.credLimiter.failed("password", user.id, ip);
      throw new ClientError("INVALID_CREDENTIALS", "Current password is wrong");
    }
  }
  await setPasswordHash(deps.db, user.id, await hashPassword(p.newPassword, deps.hashOptions));
  const ended = await revokeUserSessions(deps.db, user.id, "password_changed");
  deps.credentials.sessionsEnded(ended);
  await record(deps, caller, "user.passwordChanged", { target: user.id, data: { sessionsEnded: ended.length } });
  return openSession(deps, caller, user, { mfa: !!caller.meta.auth?.mfa, method: "password_change", audit: false });
}
