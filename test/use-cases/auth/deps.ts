import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { asc } from "drizzle-orm";
import { loadConfig } from "../../../config/index.ts";
import type { AuthInfo } from "../../../core/permissions.ts";
import { ROLE_PERMISSIONS } from "../../../core/permissions.ts";
import { auditLog, type Role } from "../../../models/schema.ts";
import { createUserWithOrg, markEmailVerified, type UserRow } from "../../../services/auth/accounts.ts";
import { CredentialCache, LastSeenThrottle } from "../../../services/auth/credential-cache.ts";
import type { MailMessage, Mailer } from "../../../services/auth/mail.ts";
import { CredentialLimiter, LoginLimiter, MemoryRateLimitStore } from "../../../services/auth/rate-limit.ts";
import { AccessTokenVerifier } from "../../../services/auth/tokens.ts";
import type { AuthDeps, Caller } from "../../../services/auth/use-cases/context.ts";
import { isolatedDatabase, type IsolatedDatabase } from "../../helpers/database.ts";

/** What the auth use cases were handed, kept for assertions: the mail sent, the errors logged, the sessions announced as ended. */
export interface AuthHarness {
  database: IsolatedDatabase;
  deps: AuthDeps;
  mail: MailMessage[];
  errors: unknown[][];
  ended: string[][];
  /** The deps' clock (milliseconds); tests move it. */
  now: { ms: number };
  close(): Promise<void>;
}

/**
 * The auth use cases' dependencies as the service builds them (createAuthRuntime), over a fresh
 * migrated PGlite database, with an in-memory rate-limit store, a mailer that records instead of
 * sending, a cheap password hash and a clock the test sets.
 */
export async function authHarness(env: Record<string, string> = {}): Promise<AuthHarness> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "chatlens-auth-use-cases-"));
  const config = loadConfig(
    {
      NODE_ENV: "test",
      DATA_DIR: dataDir,
      LOG_LEVEL: "warn",
      METRICS_ENABLED: "false",
      PUBLIC_URL: "https://chatlens.example",
      JWT_SECRET: "use-case-secret-use-case-secret-0123456",
      MFA_ENCRYPTION_KEY: "use-case-mfa-key-use-case-mfa-key-01234",
      OAUTH_SESSION_SECRET: "use-case-oauth-secret-use-case-oauth-0",
      PASSWORD_HASH_MEMORY_KIB: "1024",
      PASSWORD_HASH_TIME_COST: "1",
      ...env,
    },
    { dotenv: false },
  );
  const database = await isolatedDatabase("pglite");
  const mail: MailMessage[] = [];
  const errors: unknown[][] = [];
  const ended: string[][] = [];
  const now = { ms: Date.parse("2026-03-02T09:00:00Z") };
  const clock = () => now.ms;
  const mailer: Mailer = {
    kind: "outbox",
    send: async (m) => void mail.push(m),
    close: () => {},
  };
  const tokens = {
    secret: config.secrets.JWT_SECRET,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    accessTtlS: config.ACCESS_TOKEN_TTL_S,
  };
  const store = new MemoryRateLimitStore();
  const deps: AuthDeps = {
    db: database.db,
    config,
    clock,
    mailer,
    logger: { error: (...a) => void errors.push(a), warn: () => {}, info: () => {}, debug: () => {} },
    tokens,
    accessTokens: new AccessTokenVerifier(tokens),
    hashOptions: { memoryCost: config.PASSWORD_HASH_MEMORY_KIB, timeCost: config.PASSWORD_HASH_TIME_COST },
    limiter: new LoginLimiter(store, { limit: config.LOGIN_RATE_LIMIT, windowS: config.LOGIN_RATE_WINDOW_S }),
    credLimiter: new CredentialLimiter(store, {
      limit: config.CREDENTIAL_RATE_LIMIT,
      windowS: config.CREDENTIAL_RATE_WINDOW_S,
    }),
    credentials: new CredentialCache(config.SESSION_CHECK_CACHE_MS, clock, (ids) => void ended.push(ids)),
    lastSeen: new LastSeenThrottle(clock),
    appBase: config.PUBLIC_URL!,
  };
  return {
    database,
    deps,
    mail,
    errors,
    ended,
    now,
    async close() {
      await store.close();
      await database.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A user with their personal org (they own it); confirmed unless told otherwise. */
export async function member(
  h: AuthHarness,
  email: string,
  o: { passwordHash?: string | null; verified?: boolean } = {},
): Promise<{ user: UserRow; orgId: string }> {
  const made = (await createUserWithOrg(h.deps.db, { email, passwordHash: o.passwordHash ?? null }))!;
  if (o.verified !== false) await markEmailVerified(h.deps.db, made.user.id, made.user.email);
  return { user: { ...made.user, emailVerified: o.verified !== false }, orgId: made.orgId };
}

/** A call from a signed-in user in an org with a role, as the gateway's meta carries it. */
export function userCaller(
  userId: string,
  orgId: string | null,
  role: Role | null,
  extra: Partial<AuthInfo> & { ip?: string } = {},
): Caller {
  const { ip, ...auth } = extra;
  return {
    meta: {
      ip: ip ?? "198.51.100.7",
      userAgent: "use-case test",
      auth: {
        kind: "user",
        userId,
        orgId,
        role,
        permissions: role ? [...ROLE_PERMISSIONS[role]] : [],
        sessionId: "00000000-0000-4000-8000-000000000000",
        ...auth,
      },
    },
    requestID: "req-1",
  };
}

/** An anonymous call (sign-up, log-in) from an address. */
export const anonymous = (ip = "203.0.113.9"): Caller => ({ meta: { ip, userAgent: "use-case test" } });

/** The audit log, oldest first: action, outcome, actor, org, target. */
export async function auditTrail(h: AuthHarness) {
  const rows = await h.deps.db.select().from(auditLog).orderBy(asc(auditLog.id));
  return rows.map((r) => ({
    action: r.action,
    outcome: r.outcome,
    actorId: r.actorId,
    orgId: r.orgId,
    target: r.target,
    data: r.data,
  }));
}
