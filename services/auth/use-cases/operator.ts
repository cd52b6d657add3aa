import { ClientError } from "../../../core/errors.ts";
import { createUserWithOrg, findUserByEmail, publicUser, setDisabled } from "../accounts.ts";
import { hashPassword } from "../passwords.ts";
import { revokeUserSessions } from "../sessions.ts";
import { record, type AuthDeps, type Caller } from "./context.ts";

/** Accounts managed by operators (REPL, CLI): outside any organisation's permissions. */

export async function createUser(
  deps: AuthDeps,
  caller: Caller,
  p: { email: string; password: string; displayName?: string },
) {
  const made = await createUserWithOrg(deps.db, {
    email: p.email,
    passwordHash: await hashPassword(p.password, deps.hashOptions),
    displayName: p.displayName,
    // The operator vouches for the address; such an account logs in without a confirmation mail.
    emailVerified: true,
  });
  if (!made) throw new ClientError("EMAIL_TAKEN", "An account with this e-mail address already exists");
  await record(deps, caller, "user.signedUp", {
    actorId: null,
    orgId: made.orgId,
    target: made.user.id,
    data: { by: "operator" },
  });
  return { user: publicUser(made.user), orgId: made.orgId };
}

/** Disabling ends every session of the account; its API keys stop working with it. */
export async function setUserDisabled(deps: AuthDeps, caller: Caller, p: { email: string; disabled: boolean }) {
  const user = await findUserByEmail(deps.db, p.email);
  if (!user) throw new ClientError("NOT_FOUND", "User not found");
  await setDisabled(deps.db, user.id, p.disabled);
  const ended = p.disabled ? await revokeUserSessions(deps.db, user.id, "account_disabled") : [];
  deps.credentials.accessChanged();
  deps.credentials.sessionsEnded(ended);
  await record(deps, caller, p.disabled ? "user.disabled" : "user.enabled", {
    actorId: null,
    orgId: null,
    target: user.id,
    data: { sessionsEnded: ended.length },
  });
  return { userId: user.id, disabled: p.disabled, sessionsEnded: ended.length };
}
