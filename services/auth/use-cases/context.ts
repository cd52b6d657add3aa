import type { Config } from "../../../config/index.ts";
import type { Logger } from "../../../core/logger.ts";
import type { Db } from "../../../models/db.ts";
import { auditParams, type AuditOptions } from "../../../core/audit.ts";
import type { CallMeta } from "../../../core/permissions.ts";
import { ClientError } from "../../../core/errors.ts";
import { getUser, type UserRow } from "../accounts.ts";
import { writeAudit } from "../audit.ts";
import type { CredentialCache, LastSeenThrottle } from "../credential-cache.ts";
import type { Mailer, MailMessage } from "../mail.ts";
import type { PasswordHashOptions } from "../passwords.ts";
import type { CredentialLimiter, LoginLimiter } from "../rate-limit.ts";
import type { AccessTokenVerifier, TokenSettings } from "../tokens.ts";

export type { Logger };

/**
 * What the auth use cases need, passed in explicitly: the use-case modules import neither
 * Moleculer nor the service, so they run the same from a handler, a test or a script.
 */
export interface AuthDeps {
  db: Db;
  config: Config;
  /** Milliseconds since the epoch (`Date.now` outside tests). */
  clock: () => number;
  mailer: Mailer;
  logger: Logger;
  tokens: TokenSettings;
  accessTokens: AccessTokenVerifier;
  hashOptions: PasswordHashOptions;
  limiter: LoginLimiter;
  credLimiter: CredentialLimiter;
  credentials: CredentialCache;
  lastSeen: LastSeenThrottle;
  /** Where links in mail point: PUBLIC_URL, or this node in development. */
  appBase: string;
}

/** Who calls and from where: the call's meta and request id (a Moleculer context fits). */
export interface Caller {
  meta: CallMeta;
  requestID?: string | null;
}

export const ipOf = (caller: Caller) => caller.meta.ip ?? "";

/** The signed-in user behind an `auth: "user"` (or permission-guarded) action. */
export function userIdOf(caller: Caller): string {
  const id = caller.meta.auth?.userId;
  if (!id) throw new ClientError("UNAUTHORIZED", "Authentication required");
  return id;
}

/** The signed-in caller's account row. */
export async function signedInUser(deps: AuthDeps, caller: Caller): Promise<UserRow> {
  const user = await getUser(deps.db, userIdOf(caller));
  if (!user) throw new ClientError("UNAUTHORIZED", "Authentication required");
  return user;
}

/** The signed-in user's current session. */
export function sessionIdOf(caller: Caller): string {
  const id = caller.meta.auth?.sessionId;
  if (!id) throw new ClientError("UNAUTHORIZED", "Authentication required");
  return id;
}

/** An audit entry for what the caller did; a failure to write it is logged, never the caller's problem. */
export async function record(deps: AuthDeps, caller: Caller, action: string, options?: AuditOptions): Promise<void> {
  try {
    await writeAudit(deps.db, auditParams(caller, action, options));
  } catch (err) {
    deps.logger.error(`Audit entry ${action} could not be written`, err);
  }
}

/** Sends a mail; a failure is logged, never the caller's problem (they can ask again). */
export async function sendMail(deps: AuthDeps, message: MailMessage): Promise<void> {
  try {
    await deps.mailer.send(message);
  } catch (err) {
    deps.logger.error(`Mail "${message.subject}" could not be sent`, (err as Error).message);
  }
}

export const invalid = (field: string, message: string) =>
  new ClientError("VALIDATION_ERROR", `${field} ${message}`, [{ field, message }]);
