import { ClientError } from "../../../core/errors.ts";
import { getUser, markEmailVerified, publicUser, type UserRow } from "../accounts.ts";
import { appLink, isLocalPath, verificationMail } from "../mail.ts";
import { signMailToken, verifyMailToken } from "../tokens.ts";
import { ipOf, record, sendMail, signedInUser, userIdOf, type AuthDeps, type Caller } from "./context.ts";

/** Confirming the account's e-mail address through a link sent by mail. */

/** Mails a link that confirms the user's current address; `next` is where the app goes afterwards. */
export async function sendVerification(deps: AuthDeps, user: UserRow, next?: string): Promise<void> {
  const token = signMailToken(
    "verify",
    { userId: user.id, email: user.email },
    deps.tokens,
    deps.config.EMAIL_VERIFY_TTL_S,
  );
  const link = appLink(deps.appBase, "/verify-email", { token, next: next && isLocalPath(next) ? next : undefined });
  // The account exists either way; the user can ask for another link.
  await sendMail(deps, verificationMail(user.email, link));
}

export async function sendVerificationEmail(
  deps: AuthDeps,
  caller: Caller,
  p: { next?: string },
): Promise<{ ok: true }> {
  const user = await signedInUser(deps, caller);
  if (user.emailVerified) throw new ClientError("CONFLICT", "Your e-mail address is already confirmed");
  // Every request counts: a mailbox must not be flooded from one account or address.
  if (await deps.credLimiter.blocked("verify-mail", user.id, ipOf(caller)))
    throw new ClientError("RATE_LIMITED", "Too many messages sent; try again later");
  await deps.credLimiter.failed("verify-mail", user.id, ipOf(caller));
  await sendVerification(deps, user, p.next);
  return { ok: true };
}

/** Who and which address a confirmation link was made for; LINK_INVALID when forged or expired. */
export function confirmationClaims(deps: AuthDeps, token: string) {
  try {
    return verifyMailToken("verify", token, deps.tokens);
  } catch {
    throw new ClientError("LINK_INVALID", "This confirmation link is invalid or has expired; ask for a new one");
  }
}

export async function verifyEmail(deps: AuthDeps, caller: Caller, p: { token: string }) {
  // Signed in as the account the link was made for: a victim who clicks a link mailed to
  // them for an account somebody else created cannot confirm that account for its creator.
  const claims = confirmationClaims(deps, p.token);
  const userId = userIdOf(caller);
  if (claims.userId !== userId)
    throw new ClientError(
      "LINK_INVALID",
      "This confirmation link is for another account: log in to that account first",
    );
  if (!(await markEmailVerified(deps.db, userId, claims.email)))
    throw new ClientError("LINK_INVALID", "This confirmation link is for an address the account no longer has");
  deps.credentials.accessChanged();
  await record(deps, caller, "user.emailVerified", { target: userId, orgId: null, data: { email: claims.email } });
  return { user: publicUser((await getUser(deps.db, userId))!) };
}
