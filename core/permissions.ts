import { ROLES, type Role } from "../models/schema.ts";
import { ClientError } from "./errors.ts";

/**
 * The one declared table of who may do what. Actions name the permission they need
 * (`permissions: ["datasets.write"]`); roles grant permissions; API keys carry a subset.
 */
export const PERMISSIONS = [
  "datasets.read",
  "datasets.write",
  "datasets.delete",
  "search.run",
  "clusters.read",
  "clusters.run",
  "analytics.read",
  "models.read",
  "embeddings.create",
  "members.read",
  "members.manage",
  "org.manage",
  "audit.read",
  "apikeys.manage",
  "index.manage",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const viewer: Permission[] = [
  "datasets.read",
  "search.run",
  "clusters.read",
  "analytics.read",
  "models.read",
  "members.read",
];
const analyst: Permission[] = [...viewer, "datasets.write", "clusters.run", "embeddings.create"];
const admin: Permission[] = [
  ...analyst,
  "datasets.delete",
  "members.manage",
  "audit.read",
  "apikeys.manage",
  "index.manage",
];
const owner: Permission[] = [...admin, "org.manage"];

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  viewer: new Set(viewer),
  analyst: new Set(analyst),
  admin: new Set(admin),
  owner: new Set(owner),
};

export const roleRank = (role: Role) => ROLES.indexOf(role);

/** Who is calling, as resolved by the gateway from a bearer token or API key. */
export interface AuthInfo {
  kind: "user" | "apiKey";
  userId: string | null;
  orgId: string | null;
  role: Role | null;
  permissions: Permission[];
  sessionId?: string;
  apiKeyId?: string;
  mfa?: boolean;
  /** The current org requires MFA and this user has none: tenant data is refused until they enrol. */
  mfaEnrolmentRequired?: boolean;
}

export interface CallMeta {
  auth?: AuthInfo;
  /** Trusted in-process callers (operator CLI, jobs) that act outside any tenant. */
  system?: boolean;
  /** Set by moleculer-repl on calls typed by an operator at the REPL (shell access = trusted). */
  $repl?: boolean;
  ip?: string;
  userAgent?: string;
  /** The few cookies the auth actions read (refresh token, OAuth browser binding), set by the gateway. */
  cookies?: { refresh?: string; oauthBinding?: string };
}

/**
 * How a published action is guarded:
 * - `auth: "public"`: anyone, even anonymous (health, login, sign-up);
 * - `auth: "user"`: any signed-in user, no organisation needed (profile, own sessions);
 * - `permissions: [...]`: a member of the current organisation whose role grants all of them.
 * A published action that declares none of these is refused: the check fails closed.
 */
export interface ActionGuard {
  auth?: "public" | "user";
  permissions?: Permission[];
}

export function checkAccess(guard: ActionGuard, meta: CallMeta): void {
  if (meta.system || meta.$repl) return;
  if (guard.auth === "public") return;
  const auth = meta.auth;
  if (!auth) throw new ClientError("UNAUTHORIZED", "Authentication required");
  if (guard.auth === "user") {
    if (auth.kind !== "user") throw new ClientError("FORBIDDEN", "This needs a signed-in user, not an API key");
    return;
  }
  if (!guard.permissions?.length) throw new ClientError("FORBIDDEN", "This action is not available");
  if (!auth.orgId) throw new ClientError("FORBIDDEN", "Choose an organisation first");
  // Here, outside the cacher, so a member without MFA never gets a cached answer either (M2).
  if (auth.mfaEnrolmentRequired)
    throw new ClientError(
      "MFA_ENROLMENT_REQUIRED",
      "This organisation requires two-factor authentication: enrol first",
    );
  const granted = new Set(auth.permissions);
  const missing = guard.permissions.filter((p) => !granted.has(p));
  if (missing.length) throw new ClientError("FORBIDDEN", `Missing permission: ${missing.join(", ")}`);
}

/** The caller's organisation; every tenant query is scoped by it. `ctx`: a Moleculer context or any caller with its meta. */
export function orgOf(ctx: { meta: CallMeta }): string {
  const orgId = ctx.meta.auth?.orgId;
  if (!orgId) throw new ClientError("FORBIDDEN", "Choose an organisation first");
  return orgId;
}
