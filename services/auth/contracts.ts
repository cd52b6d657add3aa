import { z } from "zod";
import { contract } from "../../core/define-action.ts";
import {
  arrayOf,
  constant,
  int,
  itemsOf,
  nullable,
  obj,
  OK,
  ref,
  str,
  uuid as uuidSchema,
} from "../../core/json-schema.ts";
import { PERMISSIONS } from "../../core/permissions.ts";
import { ROLES } from "../../models/schema.ts";
import { OAUTH_PROVIDERS } from "./oauth.ts";
import { orgResponse } from "./openapi-schemas.ts";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "./passwords.ts";

/**
 * Every auth action's contract, declared once: params (validated by the broker, typed in the
 * handler, documented in OpenAPI), who may call it, its success answer and its limits. The
 * handlers are in auth.service.ts, the logic in use-cases/. Paths live in routes.ts only.
 */

const uuid = z.uuid();
const email = z.email().max(254);
const newPassword = z.string().min(PASSWORD_MIN_LENGTH).max(PASSWORD_MAX_LENGTH);
const anyPassword = z.string().min(1).max(PASSWORD_MAX_LENGTH);
const opaque = z.string().min(1).max(512);
const code = z.string().min(6).max(16);
const role = z.enum(ROLES);
const name = z.string().trim().min(1).max(120);
const nextPath = z.string().max(512).optional();
const linkToken = z.string().min(1).max(2048);
const none = z.object({}).strict();

const DB_TIMEOUT = 10_000;
/**
 * Actions that check a credential or consume a one-time token are never retried (L7): a retry
 * after a timeout would run the password hash again while the first attempt still runs, and
 * would present a rotated refresh token twice (which ends the session as reuse).
 */
const NO_RETRY = { enabled: false } as const;

const published = { visibility: "published", timeout: DB_TIMEOUT } as const;
const internal = { visibility: "public", timeout: DB_TIMEOUT } as const;

// ── credentials (the gateway calls this for every bearer token) ─────────
export const resolveCredential = contract({ ...internal, params: z.object({ token: z.string().min(1).max(4096) }) });

// ── sign-up, log-in, tokens ─────────────────────────────────────────────
export const signup = contract({
  ...published,
  auth: "public",
  // The same answer whether or not the address has an account (L5): the new account's owner
  // confirms it from the mailed link, which logs in; an existing account's owner is told by mail.
  openapi: {
    summary:
      "Create an account and its personal organisation and mail the link that confirms it and logs in (answers the same whether or not the address already has an account)",
    response: OK,
    successStatus: 202,
  },
  params: z
    .object({ email, password: newPassword, displayName: z.string().trim().max(120).optional(), next: nextPath })
    .strict(),
  retryPolicy: NO_RETRY,
});

export const login = contract({
  ...published,
  auth: "public",
  openapi: {
    summary: "Log in with e-mail and password (once the account's address is confirmed)",
    response: ref("LoginResponse"),
  },
  params: z.object({ email, password: anyPassword }).strict(),
  retryPolicy: NO_RETRY,
});

export const confirmSignup = contract({
  ...published,
  auth: "public",
  openapi: {
    summary:
      "Confirm a new account's address with the link from its confirmation mail and the account's password, and log in (an account logs in only once its address is confirmed)",
    response: ref("LoginResponse"),
  },
  params: z.object({ token: linkToken, password: anyPassword }).strict(),
  retryPolicy: NO_RETRY,
});

export const loginMfa = contract({
  ...published,
  auth: "public",
  openapi: { summary: "Finish a log-in with a two-factor code", response: ref("TokenResponse") },
  params: z.object({ challengeToken: linkToken, code }).strict(),
  retryPolicy: NO_RETRY,
});

export const exchangeCode = contract({
  ...published,
  auth: "public",
  openapi: { summary: "Exchange an OAuth log-in code for tokens", response: ref("LoginResponse") },
  params: z.object({ code: opaque }).strict(),
  retryPolicy: NO_RETRY,
});

export const refresh = contract({
  ...published,
  auth: "public",
  openapi: { summary: "Exchange a refresh token for a new access token", response: ref("TokenResponse") },
  // From the JSON body (API clients) or the httpOnly cookie (the web app).
  params: z.object({ refreshToken: opaque.optional() }).strict(),
  retryPolicy: NO_RETRY,
});

export const logout = contract({
  ...published,
  auth: "user",
  openapi: { summary: "End the current session", response: OK },
  params: none,
});

// ── e-mail verification and password reset (links sent by mail) ─────────
export const sendVerificationEmail = contract({
  ...published,
  auth: "user",
  openapi: {
    summary: "Send (again) the link that confirms the caller's e-mail address",
    response: OK,
    successStatus: 202,
  },
  params: z.object({ next: nextPath }).strict(),
});

export const verifyEmail = contract({
  ...published,
  auth: "user",
  openapi: {
    summary: "Confirm the caller's e-mail address with the link's token",
    response: obj({ user: ref("User") }),
  },
  params: z.object({ token: linkToken }).strict(),
  retryPolicy: NO_RETRY,
});

export const forgotPassword = contract({
  ...published,
  auth: "public",
  openapi: {
    summary: "Mail a password-reset link (answers the same whether or not the address has an account)",
    response: OK,
    successStatus: 202,
  },
  params: z.object({ email }).strict(),
  retryPolicy: NO_RETRY,
});

export const resetPassword = contract({
  ...published,
  auth: "public",
  openapi: { summary: "Set a new password with a reset link's token (ends every session)", response: OK },
  params: z.object({ token: linkToken, newPassword }).strict(),
  retryPolicy: NO_RETRY,
});

// ── profile ─────────────────────────────────────────────────────────────
export const providers = contract({
  visibility: "published",
  auth: "public",
  openapi: {
    summary: "OAuth providers configured for log-in",
    response: obj({ providers: arrayOf(ref("OAuthProvider")) }),
  },
  params: none,
});

export const me = contract({
  ...published,
  auth: "user",
  openapi: { summary: "The caller, their organisations and current permissions", response: ref("Me") },
  params: none,
});

export const updateProfile = contract({
  ...published,
  auth: "user",
  openapi: { summary: "Update the caller's profile", response: obj({ user: ref("User") }) },
  params: z
    .object({
      displayName: z.string().trim().max(120).optional(),
      avatarUrl: z.string().max(2048).nullable().optional(),
      locale: z.string().min(2).max(35).optional(),
      timeZone: z.string().min(1).max(64).optional(),
    })
    .strict(),
});

export const changePassword = contract({
  ...published,
  auth: "user",
  openapi: { summary: "Change password (ends every session, answers a new one)", response: ref("TokenResponse") },
  params: z.object({ currentPassword: anyPassword.optional(), newPassword }).strict(),
  retryPolicy: NO_RETRY,
});

// ── sessions ────────────────────────────────────────────────────────────
export const listSessions = contract({
  ...published,
  auth: "user",
  openapi: { summary: "The caller's active sessions", response: itemsOf(ref("Session")) },
  params: none,
});

export const endSession = contract({
  ...published,
  auth: "user",
  openapi: { summary: "End one of the caller's sessions", response: OK },
  params: z.object({ id: uuid }).strict(),
});

// ── organisations ───────────────────────────────────────────────────────
export const listOrgs = contract({
  ...published,
  auth: "user",
  openapi: { summary: "Organisations the caller belongs to", response: itemsOf(ref("OrgMembership")) },
  params: none,
});

export const createOrg = contract({
  ...published,
  auth: "user",
  openapi: { summary: "Create an organisation", response: orgResponse(true), successStatus: 201 },
  location: "/api/auth/orgs",
  params: z.object({ name }).strict(),
});

export const switchOrg = contract({
  ...published,
  auth: "user",
  openapi: { summary: "Switch the session to another organisation", response: ref("TokenResponse") },
  params: z.object({ orgId: uuid }).strict(),
});

export const updateOrg = contract({
  ...published,
  permissions: ["org.manage"],
  openapi: { summary: "Rename the organisation or require two-factor authentication", response: orgResponse(false) },
  params: z.object({ name: name.optional(), requireMfa: z.boolean().optional() }).strict(),
});

export const listMembers = contract({
  ...published,
  permissions: ["members.read"],
  openapi: { summary: "Members of the organisation", response: itemsOf(ref("Member")) },
  params: none,
});

export const changeMemberRole = contract({
  ...published,
  permissions: ["members.manage"],
  openapi: { summary: "Change a member's role", response: obj({ userId: uuidSchema, role: ref("Role") }) },
  params: z.object({ userId: uuid, role }).strict(),
});

export const removeMember = contract({
  ...published,
  permissions: ["members.manage"],
  openapi: { summary: "Remove a member from the organisation", response: OK },
  params: z.object({ userId: uuid }).strict(),
});

// ── invitations ─────────────────────────────────────────────────────────
export const listInvitations = contract({
  ...published,
  permissions: ["members.manage"],
  openapi: { summary: "Invitations of the organisation", response: itemsOf(ref("Invitation")) },
  params: none,
});

export const createInvitation = contract({
  ...published,
  permissions: ["members.manage"],
  openapi: {
    summary: "Invite someone by e-mail (answers the token once)",
    response: obj({ invitation: ref("Invitation"), token: str }),
    successStatus: 201,
  },
  location: "/api/auth/invitations",
  params: z.object({ email, role }).strict(),
});

export const revokeInvitation = contract({
  ...published,
  permissions: ["members.manage"],
  openapi: { summary: "Revoke a pending invitation", response: OK },
  params: z.object({ id: uuid }).strict(),
});

export const acceptInvitation = contract({
  ...published,
  auth: "user",
  openapi: {
    summary: "Join an organisation with an invitation token",
    response: obj({ orgId: uuidSchema, role: ref("Role") }),
  },
  params: z.object({ token: opaque }).strict(),
  retryPolicy: NO_RETRY,
});

// ── MFA ─────────────────────────────────────────────────────────────────
export const enrolMfa = contract({
  ...published,
  auth: "user",
  openapi: { summary: "Start two-factor enrolment (secret and QR code)", response: ref("MfaEnrolment") },
  params: none,
});

export const confirmMfa = contract({
  ...published,
  auth: "user",
  openapi: {
    summary: "Turn on two-factor authentication with a first code",
    response: obj({ enabled: constant(true), recoveryCodes: arrayOf(str) }),
  },
  params: z.object({ code }).strict(),
  retryPolicy: NO_RETRY,
});

export const disableMfa = contract({
  ...published,
  auth: "user",
  openapi: { summary: "Turn off two-factor authentication", response: obj({ enabled: constant(false) }) },
  params: z.object({ code: code.optional(), password: anyPassword.optional() }).strict(),
  retryPolicy: NO_RETRY,
});

// ── API keys ────────────────────────────────────────────────────────────
export const listApiKeys = contract({
  ...published,
  permissions: ["apikeys.manage"],
  openapi: { summary: "API keys of the organisation", response: itemsOf(ref("ApiKey")) },
  params: none,
});

export const createApiKey = contract({
  ...published,
  permissions: ["apikeys.manage"],
  openapi: {
    summary: "Create an API key (answers the secret once)",
    response: obj({ apiKey: ref("ApiKey"), key: str }),
    successStatus: 201,
  },
  location: "/api/auth/api-keys",
  params: z
    .object({
      name,
      permissions: z.array(z.enum(PERMISSIONS)).min(1).max(PERMISSIONS.length).meta({ uniqueItems: true }),
      expiresAt: z.coerce.date().optional(),
    })
    .strict(),
});

export const revokeApiKey = contract({
  ...published,
  permissions: ["apikeys.manage"],
  openapi: { summary: "Revoke an API key", response: obj({ apiKey: ref("ApiKey") }) },
  params: z.object({ id: uuid }).strict(),
});

// ── audit ───────────────────────────────────────────────────────────────
export const listAudit = contract({
  ...published,
  permissions: ["audit.read"],
  openapi: {
    summary: "Audit log of the organisation, newest first",
    response: obj({ items: arrayOf(ref("AuditEntry")), nextBefore: nullable(int) }),
  },
  params: z
    .object({
      action: z.string().max(64).optional(),
      actorId: uuid.optional(),
      from: z.coerce.date().optional(),
      to: z.coerce.date().optional(),
      before: z.coerce.number().int().positive().optional(),
      limit: z.coerce.number().int().min(1).max(200).optional(),
    })
    .strict(),
});

/** Other services write audit entries through this (see core/audit.ts). */
export const audit = contract({
  ...internal,
  params: z.object({
    action: z.string().min(1).max(64),
    orgId: uuid.nullable().optional(),
    actorId: uuid.nullable().optional(),
    target: z.string().max(256).nullable().optional(),
    outcome: z.enum(["success", "failure"]).optional(),
    data: z.record(z.string(), z.unknown()).nullable().optional(),
    ip: z.string().max(64).nullable().optional(),
    requestId: z.string().max(128).nullable().optional(),
  }),
});

// ── OAuth (called by the gateway's grant route, never over HTTP) ───────
export const completeOAuth = contract({
  ...internal,
  params: z.object({
    provider: z.enum(OAUTH_PROVIDERS),
    providerAccountId: z.string().min(1).max(256),
    email: z.string().max(254).nullable().optional(),
    emailVerified: z.boolean(),
    displayName: z.string().max(200).optional(),
    avatarUrl: z.string().max(2048).optional(),
  }),
});

// ── batch and operator actions (REPL, CLI, jobs) ─────────────────────────
export const purgeExpired = contract({ visibility: "public", timeout: 60_000, params: z.object({}) });

export const createUser = contract({
  ...internal,
  params: z.object({ email, password: newPassword, displayName: z.string().max(120).optional() }),
});

export const grantRole = contract({ ...internal, params: z.object({ email, orgId: uuid, role }) });

export const setUserDisabled = contract({ ...internal, params: z.object({ email, disabled: z.boolean() }) });

export const listUserSessions = contract({ ...internal, params: z.object({ email }) });
