import { ClientError } from "../../../core/errors.ts";
import { verifyPassword } from "../passwords.ts";
import * as totp from "../totp.ts";
import { ipOf, record, signedInUser, type AuthDeps, type Caller } from "./context.ts";
import { checkSecondFactor } from "./sign-in.ts";

/** Two-factor authentication (TOTP, recovery codes): enrolment, confirmation, turning it off. */

export async function enrolMfa(deps: AuthDeps, caller: Caller) {
  const user = await signedInUser(deps, caller);
  if (user.mfaEnabled) throw new ClientError("CONFLICT", "Two-factor authentication is already on; disable it first");
  return totp.startEnrolment(deps.db, user, deps.config.secrets.MFA_ENCRYPTION_KEY);
}

export async function confirmMfa(deps: AuthDeps, caller: Caller, p: { code: string }) {
  const user = await signedInUser(deps, caller);
  if (user.mfaEnabled) throw new ClientError("CONFLICT", "Two-factor authentication is already on");
  if (!user.mfaSecret) throw new ClientError("CONFLICT", "Start the enrolment first");
  const ip = ipOf(caller);
  if (await deps.credLimiter.blocked("mfa", user.id, ip))
    throw new ClientError("RATE_LIMITED", "Too many wrong codes; try again later");
  if (!(await totp.consumeTotp(deps.db, user, p.code, deps.config.secrets.MFA_ENCRYPTION_KEY))) {
    await deps.credLimiter.failed("mfa", user.id, ip);
    throw new ClientError("MFA_INVALID", "Invalid code");
  }
  const recoveryCodes = await totp.activate(deps.db, user.id);
  deps.credentials.accessChanged();
  await record(deps, caller, "mfa.enabled", { target: user.id });
  return { enabled: true as const, recoveryCodes };
}

export async function disableMfa(deps: AuthDeps, caller: Caller, p: { code?: string; password?: string }) {
  const user = await signedInUser(deps, caller);
  if (!user.mfaEnabled) throw new ClientError("CONFLICT", "Two-factor authentication is not on");
  const { code, password } = p;
  const ip = ipOf(caller);
  // Both proofs share one counter: 40 wrong codes in a second must not be possible (M4).
  if (await deps.credLimiter.blocked("mfa", user.id, ip))
    throw new ClientError("RATE_LIMITED", "Too many wrong codes; try again later");
  const proven =
    (code !== undefined && (await checkSecondFactor(deps, caller, user, code))) ||
    (password !== undefined && !!user.passwordHash && (await verifyPassword(user.passwordHash, password)));
  if (!proven) {
    await deps.credLimiter.failed("mfa", user.id, ip);
    throw new ClientError(
      "MFA_INVALID",
      "A current code or your password is needed to turn off two-factor authentication",
    );
  }
  await totp.disable(deps.db, user.id);
  deps.credentials.accessChanged();
  await record(deps, caller, "mfa.disabled", { target: user.id });
  return { enabled: false as const };
}
