import path from "node:path";
import { and, eq } from "drizzle-orm";
import { Redis } from "ioredis";
import type { Context, ServiceSchema } from "moleculer";
import { dbMixin, type DbService } from "../../mixins/db.mixin.ts";
import { auditParams, type AuditOptions } from "../../mixins/audit.mixin.ts";
import { PERMISSIONS, ROLE_PERMISSIONS, type CallMeta, type Permission } from "../../core/permissions.ts";
import { tenantMixin, type TenantAuthInfo } from "../../mixins/tenant.mixin.ts";
import { memberships, orgs, ROLES, sessions, users, type Role } from "../../models/schema.ts";
import type { AppContext } from "../../core/app-context.ts";
import { ClientError } from "../../core/errors.ts";
import {
  canonicalLocale,
  createUserWithOrg,
  findUserByEmail,
  getUser,
  isHttpUrl,
  isTimeZone,
  markEmailVerified,
  passwordFingerprint,
  publicUser,
  releaseUnverifiedEmail,
  setDisabled,
  setPasswordHash,
  updateProfile,
  type ProfilePatch,
  type UserRow,
} from "./accounts.ts";
import { createApiKey, listApiKeys, resolveApiKey, revokeApiKey, touchApiKey } from "./api-keys.ts";
import { queryAudit, writeAudit } from "./audit.ts";
import { acceptInvitation, createInvitation, listInvitations, revokeInvitation, revokeInvitationsBeyond } from "./invitations.ts";
import { appLink, createMailer, isLocalPath, passwordResetMail, verificationMail, type Mailer } from "./mail.ts";
import { bindingMatches, clearRefreshCookie, refreshCookie } from "./cookies.ts";
import { linkOrCreate, OAuthError, type ProviderIdentity } from "./oauth.ts";
import { configuredProviders } from "./oauth-route.ts";
import { changeRole, createOrg, getMembership, grantRole, listMembers, listUserOrgs, removeMember, updateOrg } from "./orgs.ts";
import { burnVerification, hashPassword, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, verifyPassword } from "./passwords.ts";
import { CredentialLimiter, FallbackRateLimitStore, LoginLimiter, MemoryRateLimitStore, RedisRateLimitStore, type RateLimitStore } from "./rate-limit.ts";
import { issueRefreshToken, rotateRefreshToken } from "./refresh.ts";
import {
  consumeAuthCode,
  createAuthCode,
  createSession,
  getSession,
  listActiveSessions,
  purgeExpired,
  revokeSession,
  revokeUserSessions,
  setSessionOrg,
  touchSession,
  type SessionRow,
} from "./sessions.ts";
import {
  looksLikeApiKey,
  signAccessToken,
  signChallengeToken,
  signMailToken,
  TokenVerificationError,
  AccessTokenVerifier,
  verifyChallengeToken,
  verifyMailToken,
  type TokenSettings,
} from "./tokens.ts";
import * as totp from "./totp.ts";
import { orgResponse } from "./openapi-schemas.ts";
import { arrayOf, constant, int, itemsOf, nullable, obj, OK, ref, str, uuid as uuidSchema } from "../../core/json-schema.ts";

type Ctx<P = Record<string, any>> = Context<
  P,
  CallMeta & { $statusCode?: number; $location?: string; $responseHeaders?: Record<string, string | string[]> }
>;

interface AuthService extends DbService {
  limiter: LoginLimiter;
  credLimiter: CredentialLimiter;
  mailer: Mailer;
  rateStore: RateLimitStore;
  rateFallbackLoggedAt: number;
  credentialCache: Map<string, { until: number; info: TenantAuthInfo }>;
  lastTouched: Map<string, number>;
  purgeTimer?: NodeJS.Timeout;
  [method: string]: any;
}

const uuid = { type: "uuid" } as const;
const email = { type: "email", max: 254 } as const;
const newPassword = { type: "string", min: PASSWORD_MIN_LENGTH, max: PASSWORD_MAX_LENGTH } as const;
const anyPassword = { type: "string", min: 1, max: PASSWORD_MAX_LENGTH } as const;
const opaque = { type: "string", min: 1, max: 512 } as const;
const code = { type: "string", min: 6, max: 16 } as const;
const role = { type: "enum", values: [...ROLES] } as const;
const name = { type: "string", min: 1, max: 120, trim: true } as const;
const DB_TIMEOUT = 10_000;
/**
 * Actions that check a credential or consume a one-time token are never retried (L7): a retry
 * after a timeout would run the password hash again while the first attempt still runs, and
 * would present a rotated refresh token twice (which ends the session as reuse).
 */
const NO_RETRY = { enabled: false } as const;
const nextPath = { type: "string", max: 512, optional: true } as const;

export default function createAuthService(app: AppContext): ServiceSchema {
  const { config } = app;
  const tokenSettings: TokenSettings = {
    secret: config.secrets.JWT_SECRET,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    accessTtlS: config.ACCESS_TOKEN_TTL_S,
  };
  const accessTokens = new AccessTokenVerifier(tokenSettings);
  const hashOptions = { memoryCost: config.PASSWORD_HASH_MEMORY_KIB, timeCost: config.PASSWORD_HASH_TIME_COST };
  const mfaKey = config.secrets.MFA_ENCRYPTION_KEY;
  const redisUrl = config.REDIS_URL ?? (config.CACHER.startsWith("redis") ? config.CACHER : undefined);
  const secureCookies = config.isProduction || !!config.PUBLIC_URL?.startsWith("https:");
  const appBase = config.PUBLIC_URL ?? `http://localhost:${config.PORT}`;

  return {
    name: "auth",
    mixins: [dbMixin(app), tenantMixin()],

    actions: {
      // ── credentials (the gateway calls this for every bearer token) ─────────
      resolveCredential: {
        visibility: "public",
        params: { token: { type: "string", min: 1, max: 4096 } },
        timeout: DB_TIMEOUT,
        async handler(this: AuthService, ctx: Ctx<{ token: string }>): Promise<TenantAuthInfo> {
          const { token } = ctx.params;
          if (looksLikeApiKey(token)) return this.resolveKey(token);
          let claims;
          try {
            claims = accessTokens.verify(token);
          } catch (err) {
            const c = err instanceof TokenVerificationError ? err.code : "TOKEN_INVALID";
            throw new ClientError(c, c === "TOKEN_EXPIRED" ? "Access token expired" : "Invalid access token");
          }
          const cacheKey = `${claims.sessionId}:${claims.orgId ?? ""}`;
          const cached = this.credentialCache.get(cacheKey);
          if (cached && cached.until > Date.now() && cached.info.userId === claims.userId) return cached.info;
          const info = await this.loadSessionAuth(claims.sessionId, claims.userId, claims.orgId, ctx.meta.ip ?? "");
          if (config.SESSION_CHECK_CACHE_MS > 0)
            this.credentialCache.set(cacheKey, { until: Date.now() + config.SESSION_CHECK_CACHE_MS, info });
          return info;
        },
      },

      // ── sign-up, log-in, tokens ─────────────────────────────────────────────
      signup: {
        rest: "POST /auth/signup",
        auth: "public",
        visibility: "published",
        openapi: { summary: "Create an account (and its personal organisation)", response: ref("SignupResponse"), successStatus: 201 },
        timeout: DB_TIMEOUT,
        params: {
          $$strict: true,
          email,
          password: newPassword,
          displayName: { type: "string", max: 120, trim: true, optional: true },
          next: nextPath,
        },
        retryPolicy: NO_RETRY,
        async handler(this: AuthService, ctx: Ctx<{ email: string; password: string; displayName?: string; next?: string }>) {
          const { email, password, displayName } = ctx.params;
          const ip = ctx.meta.ip ?? "";
          // Probing addresses through sign-up is limited like any other guessing (L5).
          if (await this.credLimiter.blocked("signup", ip, ip))
            throw new ClientError("RATE_LIMITED", "Too many sign-up attempts from this address; try again later");
          const made = await createUserWithOrg(this.db, {
            email,
            passwordHash: await hashPassword(password, hashOptions),
            displayName,
          });
          if (!made) {
            await this.credLimiter.failed("signup", ip, ip);
            throw new ClientError("EMAIL_TAKEN", "An account with this e-mail address already exists");
          }
          await this.record(ctx, "user.signedUp", { actorId: made.user.id, orgId: made.orgId, target: made.user.id });
          await this.sendVerification(made.user, ctx.params.next);
          ctx.meta.$statusCode = 201;
          ctx.meta.$location = "/api/auth/me";
          return { user: publicUser(made.user), ...(await this.openSession(ctx, made.user, { mfa: false, method: "password" })) };
        },
      },

      login: {
        rest: "POST /auth/login",
        auth: "public",
        visibility: "published",
        openapi: { summary: "Log in with e-mail and password", response: ref("LoginResponse") },
        timeout: DB_TIMEOUT,
        params: { $$strict: true, email, password: anyPassword },
        retryPolicy: NO_RETRY,
        async handler(this: AuthService, ctx: Ctx<{ email: string; password: string }>) {
          const { email, password } = ctx.params;
          const ip = ctx.meta.ip ?? "";
          if (await this.limiter.blocked(email, ip)) {
            await this.record(ctx, "user.loginFailed", { outcome: "failure", orgId: null, actorId: null, data: { email, reason: "rate_limited" } });
            throw new ClientError("RATE_LIMITED", "Too many failed log-in attempts; try again later");
          }
          const user = await findUserByEmail(this.db, email);
          const ok = user?.passwordHash ? await verifyPassword(user.passwordHash, password) : await burnVerification(password, hashOptions);
          // A disabled account answers exactly like a wrong password: no oracle for its password (L5).
          if (!user || !ok || user.disabled) {
            if (!ok) await this.limiter.failed(email, ip);
            await this.record(ctx, "user.loginFailed", {
              outcome: "failure",
              orgId: null,
              actorId: user?.id ?? null,
              data: { email, reason: user?.disabled && ok ? "account_disabled" : "invalid_credentials" },
            });
            throw new ClientError("INVALID_CREDENTIALS", "Invalid e-mail address or password");
          }
          await this.limiter.succeeded(email, ip);
          if (user.mfaEnabled) return this.mfaChallenge(user, "password");
          return this.openSession(ctx, user, { mfa: false, method: "password" });
        },
      },

      loginMfa: {
        rest: "POST /auth/login/mfa",
        auth: "public",
        visibility: "published",
        openapi: { summary: "Finish a log-in with a two-factor code", response: ref("TokenResponse") },
        timeout: DB_TIMEOUT,
        params: { $$strict: true, challengeToken: { type: "string", min: 1, max: 2048 }, code },
        retryPolicy: NO_RETRY,
        async handler(this: AuthService, ctx: Ctx<{ challengeToken: string; code: string }>) {
          let claims;
          try {
            claims = verifyChallengeToken(ctx.params.challengeToken, tokenSettings);
          } catch (err) {
            throw new ClientError(err instanceof TokenVerificationError ? err.code : "TOKEN_INVALID", "Invalid or expired challenge");
          }
          const user = await getUser(this.db, claims.userId);
          if (!user || !user.mfaEnabled) throw new ClientError("TOKEN_INVALID", "Invalid or expired challenge");
          if (user.disabled) throw new ClientError("ACCOUNT_DISABLED", "This account is disabled");
          const ip = ctx.meta.ip ?? "";
          if (await this.credLimiter.blocked("mfa", user.id, ip)) throw new ClientError("RATE_LIMITED", "Too many failed attempts; try again later");
          if (!(await this.checkSecondFactor(ctx, user, ctx.params.code))) {
            await this.credLimiter.failed("mfa", user.id, ip);
            await this.record(ctx, "user.loginFailed", { outcome: "failure", orgId: null, actorId: user.id, data: { reason: "mfa_invalid" } });
            throw new ClientError("MFA_INVALID", "Invalid or already used code");
          }
          return this.openSession(ctx, user, { mfa: true, method: claims.method });
        },
      },

      exchangeCode: {
        rest: "POST /auth/login/oauth",
        auth: "public",
        visibility: "published",
        openapi: { summary: "Exchange an OAuth log-in code for tokens", response: ref("LoginResponse") },
        timeout: DB_TIMEOUT,
        params: { $$strict: true, code: opaque },
        retryPolicy: NO_RETRY,
        async handler(this: AuthService, ctx: Ctx<{ code: string }>) {
          // Only the browser that completed the OAuth flow holds the code's binding cookie (L3);
          // checked before the code is consumed, so a refused attempt does not burn it.
          if (!bindingMatches(config.secrets.OAUTH_SESSION_SECRET, ctx.params.code, ctx.meta.cookies?.oauthBinding))
            throw new ClientError("TOKEN_INVALID", "Invalid or expired code");
          const row = await consumeAuthCode(this.db, ctx.params.code);
          if (!row) throw new ClientError("TOKEN_INVALID", "Invalid or expired code");
          const user = await getUser(this.db, row.userId);
          if (!user) throw new ClientError("TOKEN_INVALID", "Invalid or expired code");
          if (user.disabled) throw new ClientError("ACCOUNT_DISABLED", "This account is disabled");
          if (user.mfaEnabled) return this.mfaChallenge(user, `oauth:${row.provider}`);
          return this.openSession(ctx, user, { mfa: false, method: `oauth:${row.provider}` });
        },
      },

      refresh: {
        rest: "POST /auth/refresh",
        auth: "public",
        visibility: "published",
        openapi: { summary: "Exchange a refresh token for a new access token", response: ref("TokenResponse") },
        timeout: DB_TIMEOUT,
        // From the JSON body (API clients) or the httpOnly cookie (the web app).
        params: { $$strict: true, refreshToken: { ...opaque, optional: true } },
        retryPolicy: NO_RETRY,
        async handler(this: AuthService, ctx: Ctx<{ refreshToken?: string }>) {
          const presented = ctx.params.refreshToken ?? ctx.meta.cookies?.refresh;
          if (!presented) throw this.invalid("refreshToken", "is required (in the body, or the refresh cookie)");
          const result = await rotateRefreshToken(this.db, presented, {
            ttlS: config.REFRESH_TOKEN_TTL_S,
            graceS: config.REFRESH_REUSE_GRACE_S,
          });
          switch (result.kind) {
            case "invalid":
            case "expired":
              throw new ClientError("TOKEN_INVALID", "Invalid or expired refresh token");
            case "sessionEnded":
              throw new ClientError("SESSION_REVOKED", "This session has ended; log in again");
            case "reused":
              await this.endSessions(ctx, [result.session.id], "token_reuse");
              await this.record(ctx, "token.reused", {
                outcome: "failure",
                actorId: result.session.userId,
                orgId: result.session.orgId,
                target: result.session.id,
              });
              throw new ClientError("TOKEN_REUSED", "This refresh token was already used; the session has been ended");
          }
          const user = await getUser(this.db, result.session.userId);
          if (!user || user.disabled) throw new ClientError("SESSION_REVOKED", "This session has ended; log in again");
          const orgId = await this.currentOrg(result.session);
          const rotated = result.kind === "rotated" ? result.refreshToken : null;
          if (rotated) this.setRefreshCookie(ctx, rotated);
          return this.tokenResponse(result.session, orgId, rotated);
        },
      },

      logout: {
        rest: "POST /auth/logout",
        auth: "user",
        visibility: "published",
        openapi: { summary: "End the current session", response: OK },
        timeout: DB_TIMEOUT,
        params: { $$strict: true },
        async handler(this: AuthService, ctx: Ctx) {
          const sid = ctx.meta.auth!.sessionId!;
          await this.endSessions(ctx, [sid], "logout");
          ctx.meta.$responseHeaders = { ...ctx.meta.$responseHeaders, "Set-Cookie": clearRefreshCookie(secureCookies) };
          return { ok: true };
        },
      },

      // ── e-mail verification and password reset (links sent by mail) ─────────
      sendVerificationEmail: {
        rest: "POST /auth/email/verification",
        auth: "user",
        visibility: "published",
        openapi: { summary: "Send (again) the link that confirms the caller's e-mail address", response: OK, successStatus: 202 },
        timeout: DB_TIMEOUT,
        params: { $$strict: true, next: nextPath },
        async handler(this: AuthService, ctx: Ctx<{ next?: string }>) {
          const user = (await getUser(this.db, ctx.meta.auth!.userId!))!;
          if (user.emailVerified) throw new ClientError("CONFLICT", "Your e-mail address is already confirmed");
          // Every request counts: a mailbox must not be flooded from one account or address.
          if (await this.credLimiter.blocked("verify-mail", user.id, ctx.meta.ip ?? ""))
            throw new ClientError("RATE_LIMITED", "Too many messages sent; try again later");
          await this.credLimiter.failed("verify-mail", user.id, ctx.meta.ip ?? "");
          await this.sendVerification(user, ctx.params.next);
          ctx.meta.$statusCode = 202;
          return { ok: true };
        },
      },

      verifyEmail: {
        rest: "POST /auth/email/verify",
        auth: "user",
        visibility: "published",
        openapi: { summary: "Confirm the caller's e-mail address with the link's token", response: obj({ user: ref("User") }) },
        timeout: DB_TIMEOUT,
        params: { $$strict: true, token: { type: "string", min: 1, max: 2048 } },
        retryPolicy: NO_RETRY,
        async handler(this: AuthService, ctx: Ctx<{ token: string }>) {
          // Signed in as the account the link was made for: a victim who clicks a link mailed to
          // them for an account somebody else created cannot confirm that account for its creator.
          let claims;
          try {
            claims = verifyMailToken("verify", ctx.params.token, tokenSettings);
          } catch {
            throw new ClientError("LINK_INVALID", "This confirmation link is invalid or has expired; ask for a new one");
          }
          const userId = ctx.meta.auth!.userId!;
          if (claims.userId !== userId) throw new ClientError("LINK_INVALID", "This confirmation link is for another account: log in to that account first");
          if (!(await markEmailVerified(this.db, userId, claims.email)))
            throw new ClientError("LINK_INVALID", "This confirmation link is for an address the account no longer has");
          this.credentialCache.clear();
          await this.record(ctx, "user.emailVerified", { target: userId, orgId: null, data: { email: claims.email } });
          return { user: publicUser((await getUser(this.db, userId))!) };
        },
      },

      forgotPassword: {
        rest: "POST /auth/password/forgot",
        auth: "public",
        visibility: "published",
        openapi: { summary: "Mail a password-reset link (answers the same whether or not the address has an account)", response: OK, successStatus: 202 },
        timeout: DB_TIMEOUT,
        params: { $$strict: true, email },
        retryPolicy: NO_RETRY,
        async handler(this: AuthService, ctx: Ctx<{ email: string }>) {
          const ip = ctx.meta.ip ?? "";
          const address = ctx.params.email.trim().toLowerCase();
          if ((await this.credLimiter.blocked("reset-mail", address, ip)))
            throw new ClientError("RATE_LIMITED", "Too many requests; try again later");
          await this.credLimiter.failed("reset-mail", address, ip);
          const user = await findUserByEmail(this.db, address);
          if (user && !user.disabled) {
            const token = signMailToken("reset", { userId: user.id, email: user.email, pwf: passwordFingerprint(user) }, tokenSettings, config.PASSWORD_RESET_TTL_S);
            try {
              await this.mailer.send(passwordResetMail(user.email, appLink(appBase, "/reset-password", { token }), config.PASSWORD_RESET_TTL_S));
            } catch (err) {
              this.logger.error("Password-reset mail could not be sent", (err as Error).message);
            }
            await this.record(ctx, "user.passwordResetRequested", { actorId: null, orgId: null, target: user.id });
          }
          ctx.meta.$statusCode = 202;
          return { ok: true };
        },
      },

      resetPassword: {
        rest: "POST /auth/password/reset",
        auth: "public",
        visibility: "published",
        openapi: { summary: "Set a new password with a reset link's token (ends every session)", response: OK },
        timeout: DB_TIMEOUT,
        params: { $$strict: true, token: { type: "string", min: 1, max: 2048 }, newPassword },
        retryPolicy: NO_RETRY,
        async handler(this: AuthService, ctx: Ctx<{ token: string; newPassword: string }>) {
          const ip = ctx.meta.ip ?? "";
          if (await this.credLimiter.blocked("reset", ip, ip)) throw new ClientError("RATE_LIMITED", "Too many attempts; try again later");
          const refuse = async () => {
            await this.credLimiter.failed("reset", ip, ip);
            return new ClientError("LINK_INVALID", "This reset link is invalid, expired or already used; ask for a new one");
          };
          let claims;
          try {
            claims = verifyMailToken("reset", ctx.params.token, tokenSettings);
          } catch {
            throw await refuse();
          }
          const user = await getUser(this.db, claims.userId);
          if (!user || user.disabled || claims.pwf !== passwordFingerprint(user) || user.email !== claims.email) throw await refuse();
          const hash = await hashPassword(ctx.params.newPassword, hashOptions);
          if (user.emailVerified) {
            await setPasswordHash(this.db, user.id, hash);
            const ended = await revokeUserSessions(this.db, user.id, "password_reset");
            this.forget(ended);
            ctx.broadcast("session.ended", { ids: ended });
            await this.record(ctx, "user.passwordReset", { actorId: user.id, orgId: null, target: user.id, data: { sessionsEnded: ended.length } });
            return { ok: true };
          }
          // An unverified account may have been made by someone else with this address (H1): the
          // mailbox owner gets a fresh, verified account with this password; the old one keeps
          // its data but yields the address.
          await releaseUnverifiedEmail(this.db, user.id);
          const made = await createUserWithOrg(this.db, { email: claims.email, passwordHash: hash, emailVerified: true });
          if (!made) throw await refuse();
          await this.record(ctx, "user.emailReleased", { actorId: made.user.id, orgId: null, target: user.id, data: { reason: "password_reset" } });
          await this.record(ctx, "user.signedUp", { actorId: made.user.id, orgId: made.orgId, target: made.user.id, data: { by: "password_reset" } });
          return { ok: true };
        },
      },

      // ── profile ─────────────────────────────────────────────────────────────
      providers: {
        rest: "GET /auth/providers",
        auth: "public",
        visibility: "published",
        openapi: { summary: "OAuth providers configured for log-in", response: obj({ providers: arrayOf(ref("OAuthProvider")) }) },
        params: { $$strict: true },
        handler(this: AuthService) {
          return { providers: configuredProviders(config) };
        },
      },

      me: {
        rest: "GET /auth/me",
        auth: "user",
        visibility: "published",
        openapi: { summary: "The caller, their organisations and current permissions", response: ref("Me") },
        timeout: DB_TIMEOUT,
        params: { $$strict: true },
        async handler(this: AuthService, ctx: Ctx) {
          const auth = ctx.meta.auth!;
          const user = await getUser(this.db, auth.userId!);
          if (!user) throw new ClientError("UNAUTHORIZED", "Authentication required");
          return {
            user: publicUser(user),
            orgs: await listUserOrgs(this.db, user.id),
            current: { orgId: auth.orgId, role: auth.role, permissions: auth.permissions, sessionId: auth.sessionId },
          };
        },
      },

      updateProfile: {
        rest: "PATCH /auth/me",
        auth: "user",
        visibility: "published",
        openapi: { summary: "Update the caller's profile", response: obj({ user: ref("User") }) },
        timeout: DB_TIMEOUT,
        params: {
          $$strict: true,
          displayName: { type: "string", max: 120, trim: true, optional: true },
          avatarUrl: { type: "string", max: 2048, optional: true, nullable: true },
          locale: { type: "string", min: 2, max: 35, optional: true },
          timeZone: { type: "string", min: 1, max: 64, optional: true },
        },
        async handler(this: AuthService, ctx: Ctx<ProfilePatch>) {
          const patch: ProfilePatch = {};
          const { displayName, avatarUrl, locale, timeZone } = ctx.params;
          if (displayName !== undefined) patch.displayName = displayName;
          if (avatarUrl !== undefined) {
            if (avatarUrl !== null && avatarUrl !== "" && !isHttpUrl(avatarUrl))
              throw this.invalid("avatarUrl", "must be an http(s) URL");
            patch.avatarUrl = avatarUrl || null;
          }
          if (locale !== undefined) {
            const canonical = canonicalLocale(locale);
            if (!canonical) throw this.invalid("locale", "must be a BCP-47 language tag such as en-GB");
            patch.locale = canonical;
          }
          if (timeZone !== undefined) {
            if (!isTimeZone(timeZone)) throw this.invalid("timeZone", "must be an IANA time zone such as Europe/Berlin");
            patch.timeZone = timeZone;
          }
          return { user: publicUser(await updateProfile(this.db, ctx.meta.auth!.userId!, patch)) };
        },
      },

      changePassword: {
        rest: "POST /auth/password",
        auth: "user",
        visibility: "published",
        openapi: { summary: "Change password (ends every session, answers a new one)", response: ref("TokenResponse") },
        timeout: DB_TIMEOUT,
        params: { $$strict: true, currentPassword: { ...anyPassword, optional: true }, newPassword },
        retryPolicy: NO_RETRY,
        async handler(this: AuthService, ctx: Ctx<{ currentPassword?: string; newPassword: string }>) {
          const user = (await getUser(this.db, ctx.meta.auth!.userId!))!;
          const ip = ctx.meta.ip ?? "";
          // An OAuth-only account sets its first password without one; everyone else proves the old one (limited, M4).
          if (user.passwordHash) {
            if (await this.credLimiter.blocked("password", user.id, ip))
              throw new ClientError("RATE_LIMITED", "Too many wrong passwords; try again later");
            if (!(ctx.params.currentPassword && (await verifyPassword(user.passwordHash, ctx.params.currentPassword)))) {
              await this.credLimiter.failed("password", user.id, ip);
              throw new ClientError("INVALID_CREDENTIALS", "Current password is wrong");
            }
          }
          await setPasswordHash(this.db, user.id, await hashPassword(ctx.params.newPassword, hashOptions));
          const ended = await revokeUserSessions(this.db, user.id, "password_changed");
          this.forget(ended);
          ctx.broadcast("session.ended", { ids: ended });
          await this.record(ctx, "user.passwordChanged", { target: user.id, data: { sessionsEnded: ended.length } });
          // Every session ends, this one included; the caller continues in a fresh one.
          return this.openSession(ctx, user, { mfa: !!ctx.meta.auth!.mfa, method: "password_change", audit: false });
        },
      },

      // ── sessions ────────────────────────────────────────────────────────────
      listSessions: {
        rest: "GET /auth/sessions",
        auth: "user",
        visibility: "published",
        openapi: { summary: "The caller's active sessions", response: itemsOf(ref("Session")) },
        timeout: DB_TIMEOUT,
        params: { $$strict: true },
        async handler(this: AuthService, ctx: Ctx) {
          const rows = await listActiveSessions(this.db, ctx.meta.auth!.userId!);
          return {
            items: rows.map((s) => ({
              id: s.id,
              device: s.device,
              ip: s.ip,
              createdAt: s.createdAt,
              lastSeenAt: s.lastSeenAt,
              expiresAt: s.expiresAt,
              current: s.id === ctx.meta.auth!.sessionId,
            })),
          };
        },
      },

      endSession: {
        rest: "DELETE /auth/sessions/:id",
        auth: "user",
        visibility: "published",
        openapi: { summary: "End one of the caller's sessions", response: OK },
        timeout: DB_TIMEOUT,
        params: { $$strict: true, id: uuid },
        async handler(this: AuthService, ctx: Ctx<{ id: string }>) {
          if (!(await revokeSession(this.db, ctx.params.id, "ended_by_user", ctx.meta.auth!.userId!)))
            throw new ClientError("NOT_FOUND", "Session not found");
          this.forget([ctx.params.id]);
          ctx.broadcast("session.ended", { ids: [ctx.params.id] });
          await this.record(ctx, "session.ended", { target: ctx.params.id, data: { reason: "ended_by_user" } });
          return { ok: true };
        },
      },

      // ── organisations ───────────────────────────────────────────────────────
      listOrgs: {
        rest: "GET /auth/orgs",
        auth: "user",
        visibility: "published",
        openapi: { summary: "Organisations the caller belongs to", response: itemsOf(ref("OrgMembership")) },
        timeout: DB_TIMEOUT,
        params: { $$strict: true },
        async handler(this: AuthService, ctx: Ctx) {
          return { items: await listUserOrgs(this.db, ctx.meta.auth!.userId!) };
        },
      },

      createOrg: {
        rest: "POST /auth/orgs",
        auth: "user",
        visibility: "published",
        openapi: { summary: "Create an organisation", response: orgResponse(true), successStatus: 201 },
        timeout: DB_TIMEOUT,
        params: { $$strict: true, name },
        async handler(this: AuthService, ctx: Ctx<{ name: string }>) {
          const org = await createOrg(this.db, ctx.params.name, ctx.meta.auth!.userId!);
          await this.record(ctx, "org.created", { orgId: org.id, target: org.id, data: { name: org.name } });
          ctx.meta.$statusCode = 201;
          ctx.meta.$location = "/api/auth/orgs";
          return { org: { id: org.id, name: org.name, requireMfa: org.requireMfa, role: "owner" } };
        },
      },

      switchOrg: {
        rest: "POST /auth/orgs/switch",
        auth: "user",
        visibility: "published",
        openapi: { summary: "Switch the session to another organisation", response: ref("TokenResponse") },
        timeout: DB_TIMEOUT,
        params: { $$strict: true, orgId: uuid },
        async handler(this: AuthService, ctx: Ctx<{ orgId: string }>) {
          const auth = ctx.meta.auth!;
          // Not a member and no such org answer alike.
          if (!(await getMembership(this.db, ctx.params.orgId, auth.userId!))) throw new ClientError("NOT_FOUND", "Organisation not found");
          await setSessionOrg(this.db, auth.sessionId!, ctx.params.orgId);
          const session = (await getSession(this.db, auth.sessionId!))!;
          return this.tokenResponse(session, ctx.params.orgId, null);
        },
      },

      updateOrg: {
        rest: "PATCH /auth/org",
        permissions: ["org.manage"],
        visibility: "published",
        openapi: { summary: "Rename the organisation or require two-factor authentication", response: orgResponse(false) },
        timeout: DB_TIMEOUT,
        params: { $$strict: true, name: { ...name, optional: true }, requireMfa: { type: "boolean", optional: true } },
        async handler(this: AuthService, ctx: Ctx<{ name?: string; requireMfa?: boolean }>) {
          const orgId = this.orgOf(ctx);
          const org = await updateOrg(this.db, orgId, ctx.params);
          if (!org) throw new ClientError("NOT_FOUND", "Organisation not found");
          this.credentialCache.clear();
          await this.record(ctx, "org.updated", { target: orgId, data: { ...ctx.params } });
          return { org: { id: org.id, name: org.name, requireMfa: org.requireMfa } };
        },
      },

      listMembers: {
        rest: "GET /auth/members",
        permissions: ["members.read"],
        visibility: "published",
        openapi: { summary: "Members of the organisation", response: itemsOf(ref("Member")) },
        timeout: DB_TIMEOUT,
        params: { $$strict: true },
        async handler(this: AuthService, ctx: Ctx) {
          return { items: await listMembers(this.db, this.orgOf(ctx)) };
        },
      },

      changeMemberRole: {
        rest: "PATCH /auth/members/:userId",
        permissions: ["members.manage"],
        visibility: "published",
        openapi: { summary: "Change a member's role", response: obj({ userId: uuidSchema, role: ref("Role") }) },
        timeout: DB_TIMEOUT,
        params: { $$strict: true, userId: uuid, role },
        async handler(this: AuthService, ctx: Ctx<{ userId: string; role: Role }>) {
          const orgId = this.orgOf(ctx);
          const result = await changeRole(this.db, orgId, ctx.meta.auth!.role!, ctx.params.userId, ctx.params.role);
          if (!result.ok) throw this.membershipError(result.error);
          this.credentialCache.clear();
          const voided = await revokeInvitationsBeyond(this.db, orgId, ctx.params.userId, ctx.params.role);
          await this.record(ctx, "member.roleChanged", {
            target: ctx.params.userId,
            data: { from: result.from, to: ctx.params.role, invitationsRevoked: voided.length },
          });
          return { userId: ctx.params.userId, role: ctx.params.role };
        },
      },

      removeMember: {
        rest: "DELETE /auth/members/:userId",
        permissions: ["members.manage"],
        visibility: "published",
        openapi: { summary: "Remove a member from the organisation", response: OK },
        timeout: DB_TIMEOUT,
        params: { $$strict: true, userId: uuid },
        async handler(this: AuthService, ctx: Ctx<{ userId: string }>) {
          const orgId = this.orgOf(ctx);
          const result = await removeMember(this.db, orgId, ctx.meta.auth!.role!, ctx.params.userId);
          if (!result.ok) throw this.membershipError(result.error);
          this.credentialCache.clear();
          const voided = await revokeInvitationsBeyond(this.db, orgId, ctx.params.userId, null);
          await this.record(ctx, "member.removed", { target: ctx.params.userId, data: { role: result.role, invitationsRevoked: voided.length } });
          return { ok: true };
        },
      },

      // ── invitations ─────────────────────────────────────────────────────────
      listInvitations: {
        rest: "GET /auth/invitations",
        permissions: ["members.manage"],
        visibility: "published",
        openapi: { summary: "Invitations of the organisation", response: itemsOf(ref("Invitation")) },
        timeout: DB_TIMEOUT,
        params: { $$strict: true },
        async handler(this: AuthService, ctx: Ctx) {
          return { items: await listInvitations(this.db, this.orgOf(ctx)) };
        },
      },

      createInvitation: {
        rest: "POST /auth/invitations",
        permissions: ["members.manage"],
        visibility: "published",
        openapi: { summary: "Invite someone by e-mail (answers the token once)", response: obj({ invitation: ref("Invitation"), token: str }), successStatus: 201 },
        timeout: DB_TIMEOUT,
        params: { $$strict: true, email, role },
        async handler(this: AuthService, ctx: Ctx<{ email: string; role: Role }>) {
          const auth = ctx.meta.auth!;
          if (!this.mayGrantRole(auth.role!, ctx.params.role)) throw new ClientError("FORBIDDEN", "You cannot invite with a role above your own");
          const { token, invitation } = await createInvitation(this.db, {
            orgId: this.orgOf(ctx),
            email: ctx.params.email,
            role: ctx.params.role,
            invitedBy: auth.userId!,
            ttlS: config.INVITATION_TTL_S,
          });
          await this.record(ctx, "invitation.created", { target: invitation.id, data: { email: invitation.email, role: invitation.role } });
          ctx.meta.$statusCode = 201;
          ctx.meta.$location = "/api/auth/invitations";
          // The token is shown here once; only its hash is kept.
          return { invitation, token };
        },
      },

      revokeInvitation: {
        rest: "DELETE /auth/invitations/:id",
        permissions: ["members.manage"],
        visibility: "published",
        openapi: { summary: "Revoke a pending invitation", response: OK },
        timeout: DB_TIMEOUT,
        params: { $$strict: true, id: uuid },
        async handler(this: AuthService, ctx: Ctx<{ id: string }>) {
          if (!(await revokeInvitation(this.db, this.orgOf(ctx), ctx.params.id))) throw new ClientError("NOT_FOUND", "Invitation not found");
          await this.record(ctx, "invitation.revoked", { target: ctx.params.id });
          return { ok: true };
        },
      },

      acceptInvitation: {
        rest: "POST /auth/invitations/accept",
        auth: "user",
        visibility: "published",
        openapi: { summary: "Join an organisation with an invitation token", response: obj({ orgId: uuidSchema, role: ref("Role") }) },
        timeout: DB_TIMEOUT,
        params: { $$strict: true, token: opaque },
        retryPolicy: NO_RETRY,
        async handler(this: AuthService, ctx: Ctx<{ token: string }>) {
          const user = (await getUser(this.db, ctx.meta.auth!.userId!))!;
          const ip = ctx.meta.ip ?? "";
          if (await this.credLimiter.blocked("invitation", user.id, ip))
            throw new ClientError("RATE_LIMITED", "Too many invalid invitations; try again later");
          const result = await acceptInvitation(this.db, ctx.params.token, user);
          if (!result.ok && result.error === "EMAIL_NOT_VERIFIED")
            throw new ClientError("EMAIL_NOT_VERIFIED", "Confirm your e-mail address first: we sent you a link");
          if (!result.ok) {
            await this.credLimiter.failed("invitation", user.id, ip);
            throw new ClientError("INVITATION_INVALID", "This invitation is invalid, expired, or for another e-mail address");
          }
          await this.record(ctx, "member.joined", { orgId: result.orgId, target: user.id, data: { role: result.role } });
          return { orgId: result.orgId, role: result.role };
        },
      },

      // ── MFA ─────────────────────────────────────────────────────────────────
      enrolMfa: {
        rest: "POST /auth/mfa/enrol",
        auth: "user",
        visibility: "published",
        openapi: { summary: "Start two-factor enrolment (secret and QR code)", response: ref("MfaEnrolment") },
        timeout: DB_TIMEOUT,
        params: { $$strict: true },
        async handler(this: AuthService, ctx: Ctx) {
          const user = (await getUser(this.db, ctx.meta.auth!.userId!))!;
          if (user.mfaEnabled) throw new ClientError("CONFLICT", "Two-factor authentication is already on; disable it first");
          return totp.startEnrolment(this.db, user, mfaKey);
        },
      },

      confirmMfa: {
        rest: "POST /auth/mfa/confirm",
        auth: "user",
        visibility: "published",
        openapi: { summary: "Turn on two-factor authentication with a first code", response: obj({ enabled: constant(true), recoveryCodes: arrayOf(str) }) },
        timeout: DB_TIMEOUT,
        params: { $$strict: true, code },
        retryPolicy: NO_RETRY,
        async handler(this: AuthService, ctx: Ctx<{ code: string }>) {
          const user = (await getUser(this.db, ctx.meta.auth!.userId!))!;
          if (user.mfaEnabled) throw new ClientError("CONFLICT", "Two-factor authentication is already on");
          if (!user.mfaSecret) throw new ClientError("CONFLICT", "Start the enrolment first");
          const ip = ctx.meta.ip ?? "";
          if (await this.credLimiter.blocked("mfa", user.id, ip)) throw new ClientError("RATE_LIMITED", "Too many wrong codes; try again later");
          if (!(await totp.consumeTotp(this.db, user, ctx.params.code, mfaKey))) {
            await this.credLimiter.failed("mfa", user.id, ip);
            throw new ClientError("MFA_INVALID", "Invalid code");
          }
          const recoveryCodes = await totp.activate(this.db, user.id);
          this.credentialCache.clear();
          await this.record(ctx, "mfa.enabled", { target: user.id });
          return { enabled: true, recoveryCodes };
        },
      },

      disableMfa: {
        rest: "POST /auth/mfa/disable",
        auth: "user",
        visibility: "published",
        openapi: { summary: "Turn off two-factor authentication", response: obj({ enabled: constant(false) }) },
        timeout: DB_TIMEOUT,
        params: { $$strict: true, code: { ...code, optional: true }, password: { ...anyPassword, optional: true } },
        retryPolicy: NO_RETRY,
        async handler(this: AuthService, ctx: Ctx<{ code?: string; password?: string }>) {
          const user = (await getUser(this.db, ctx.meta.auth!.userId!))!;
          if (!user.mfaEnabled) throw new ClientError("CONFLICT", "Two-factor authentication is not on");
          const { code, password } = ctx.params;
          const ip = ctx.meta.ip ?? "";
          // Both proofs share one counter: 40 wrong codes in a second must not be possible (M4).
          if (await this.credLimiter.blocked("mfa", user.id, ip)) throw new ClientError("RATE_LIMITED", "Too many wrong codes; try again later");
          const proven =
            (code !== undefined && (await this.checkSecondFactor(ctx, user, code))) ||
            (password !== undefined && !!user.passwordHash && (await verifyPassword(user.passwordHash, password)));
          if (!proven) await this.credLimiter.failed("mfa", user.id, ip);
          if (!proven) throw new ClientError("MFA_INVALID", "A current code or your password is needed to turn off two-factor authentication");
          await totp.disable(this.db, user.id);
          this.credentialCache.clear();
          await this.record(ctx, "mfa.disabled", { target: user.id });
          return { enabled: false };
        },
      },

      // ── API keys ────────────────────────────────────────────────────────────
      listApiKeys: {
        rest: "GET /auth/api-keys",
        permissions: ["apikeys.manage"],
        visibility: "published",
        openapi: { summary: "API keys of the organisation", response: itemsOf(ref("ApiKey")) },
        timeout: DB_TIMEOUT,
        params: { $$strict: true },
        async handler(this: AuthService, ctx: Ctx) {
          return { items: await listApiKeys(this.db, this.orgOf(ctx)) };
        },
      },

      createApiKey: {
        rest: "POST /auth/api-keys",
        permissions: ["apikeys.manage"],
        visibility: "published",
        openapi: { summary: "Create an API key (answers the secret once)", response: obj({ apiKey: ref("ApiKey"), key: str }), successStatus: 201 },
        timeout: DB_TIMEOUT,
        params: {
          $$strict: true,
          name,
          permissions: { type: "array", min: 1, max: PERMISSIONS.length, unique: true, items: { type: "enum", values: [...PERMISSIONS] } },
          expiresAt: { type: "date", convert: true, optional: true },
        },
        async handler(this: AuthService, ctx: Ctx<{ name: string; permissions: Permission[]; expiresAt?: Date }>) {
          const auth = ctx.meta.auth!;
          if (auth.kind !== "user") throw new ClientError("FORBIDDEN", "API keys cannot create API keys");
          const granted = ROLE_PERMISSIONS[auth.role!];
          const excess = ctx.params.permissions.filter((p) => !granted.has(p));
          if (excess.length) throw new ClientError("FORBIDDEN", `Your role does not grant: ${excess.join(", ")}`);
          if (ctx.params.expiresAt && ctx.params.expiresAt.getTime() <= Date.now()) throw this.invalid("expiresAt", "must be in the future");
          const { key, apiKey } = await createApiKey(this.db, {
            orgId: this.orgOf(ctx),
            createdBy: auth.userId!,
            name: ctx.params.name,
            permissions: ctx.params.permissions,
            expiresAt: ctx.params.expiresAt,
          });
          await this.record(ctx, "apiKey.created", { target: apiKey.id, data: { name: apiKey.name, permissions: apiKey.permissions } });
          ctx.meta.$statusCode = 201;
          ctx.meta.$location = "/api/auth/api-keys";
          return { apiKey, key };
        },
      },

      revokeApiKey: {
        rest: "DELETE /auth/api-keys/:id",
        permissions: ["apikeys.manage"],
        visibility: "published",
        openapi: { summary: "Revoke an API key", response: obj({ apiKey: ref("ApiKey") }) },
        timeout: DB_TIMEOUT,
        params: { $$strict: true, id: uuid },
        async handler(this: AuthService, ctx: Ctx<{ id: string }>) {
          const key = await revokeApiKey(this.db, this.orgOf(ctx), ctx.params.id);
          if (!key) throw new ClientError("NOT_FOUND", "API key not found");
          await this.record(ctx, "apiKey.revoked", { target: key.id, data: { name: key.name } });
          return { apiKey: key };
        },
      },

      // ── audit ───────────────────────────────────────────────────────────────
      listAudit: {
        rest: "GET /auth/audit",
        permissions: ["audit.read"],
        visibility: "published",
        openapi: { summary: "Audit log of the organisation, newest first", response: obj({ items: arrayOf(ref("AuditEntry")), nextBefore: nullable(int) }) },
        timeout: DB_TIMEOUT,
        params: {
          $$strict: true,
          action: { type: "string", max: 64, optional: true },
          actorId: { ...uuid, optional: true },
          from: { type: "date", convert: true, optional: true },
          to: { type: "date", convert: true, optional: true },
          before: { type: "number", integer: true, positive: true, convert: true, optional: true },
          limit: { type: "number", integer: true, min: 1, max: 200, convert: true, optional: true },
        },
        async handler(this: AuthService, ctx: Ctx<{ action?: string; actorId?: string; from?: Date; to?: Date; before?: number; limit?: number }>) {
          return queryAudit(this.db, { ...ctx.params, orgId: this.orgOf(ctx), limit: ctx.params.limit ?? 50 });
        },
      },

      /** Other services write audit entries through this (see mixins/audit.mixin.ts). */
      audit: {
        visibility: "public",
        timeout: DB_TIMEOUT,
        params: {
          action: { type: "string", min: 1, max: 64 },
          orgId: { ...uuid, optional: true, nullable: true },
          actorId: { ...uuid, optional: true, nullable: true },
          target: { type: "string", max: 256, optional: true, nullable: true },
          outcome: { type: "enum", values: ["success", "failure"], optional: true },
          data: { type: "object", optional: true, nullable: true },
          ip: { type: "string", max: 64, optional: true, nullable: true },
          requestId: { type: "string", max: 128, optional: true, nullable: true },
        },
        async handler(this: AuthService, ctx: Ctx<Parameters<typeof writeAudit>[1]>) {
          await writeAudit(this.db, ctx.params);
          return { ok: true };
        },
      },

      // ── OAuth (called by the gateway's grant route, never over HTTP) ───────
      completeOAuth: {
        visibility: "public",
        timeout: DB_TIMEOUT,
        params: {
          provider: { type: "enum", values: ["google", "github"] },
          providerAccountId: { type: "string", min: 1, max: 256 },
          email: { type: "string", max: 254, optional: true, nullable: true },
          emailVerified: "boolean",
          displayName: { type: "string", max: 200, optional: true },
          avatarUrl: { type: "string", max: 2048, optional: true },
        },
        async handler(this: AuthService, ctx: Ctx<ProviderIdentity>) {
          try {
            const { user, linked, released } = await linkOrCreate(this.db, ctx.params);
            if (released)
              await this.record(ctx, "user.emailReleased", {
                outcome: "success",
                actorId: user.id,
                orgId: null,
                target: released,
                data: { reason: "oauth_verified_elsewhere", provider: ctx.params.provider },
              });
            if (user.disabled) throw new ClientError("ACCOUNT_DISABLED", "This account is disabled");
            if (linked)
              await this.record(ctx, "oauth.linked", { actorId: user.id, orgId: null, target: user.id, data: { provider: ctx.params.provider } });
            const code = await createAuthCode(this.db, {
              userId: user.id,
              provider: ctx.params.provider,
              device: ctx.meta.userAgent ?? "",
              ip: ctx.meta.ip ?? "",
              ttlS: config.OAUTH_CODE_TTL_S,
            });
            return { code };
          } catch (err) {
            if (err instanceof OAuthError) throw new ClientError(err.code, err.message);
            throw err;
          }
        },
      },

      // ── batch and operator actions (REPL, CLI, jobs) ─────────────────────────
      purgeExpired: {
        visibility: "public",
        timeout: 60_000,
        params: {},
        async handler(this: AuthService) {
          return purgeExpired(this.db);
        },
      },

      createUser: {
        visibility: "public",
        timeout: DB_TIMEOUT,
        params: { email, password: newPassword, displayName: { type: "string", max: 120, optional: true } },
        async handler(this: AuthService, ctx: Ctx<{ email: string; password: string; displayName?: string }>) {
          const made = await createUserWithOrg(this.db, {
            email: ctx.params.email,
            passwordHash: await hashPassword(ctx.params.password, hashOptions),
            displayName: ctx.params.displayName,
          });
          if (!made) throw new ClientError("EMAIL_TAKEN", "An account with this e-mail address already exists");
          await this.record(ctx, "user.signedUp", { actorId: null, orgId: made.orgId, target: made.user.id, data: { by: "operator" } });
          return { user: publicUser(made.user), orgId: made.orgId };
        },
      },

      grantRole: {
        visibility: "public",
        timeout: DB_TIMEOUT,
        params: { email, orgId: uuid, role },
        async handler(this: AuthService, ctx: Ctx<{ email: string; orgId: string; role: Role }>) {
          const user = await findUserByEmail(this.db, ctx.params.email);
          if (!user) throw new ClientError("NOT_FOUND", "User not found");
          const [org] = await this.db.select({ id: orgs.id }).from(orgs).where(eq(orgs.id, ctx.params.orgId)).limit(1);
          if (!org) throw new ClientError("NOT_FOUND", "Organisation not found");
          await grantRole(this.db, ctx.params.orgId, user.id, ctx.params.role);
          this.credentialCache.clear();
          await this.record(ctx, "member.roleChanged", {
            orgId: ctx.params.orgId,
            actorId: null,
            target: user.id,
            data: { to: ctx.params.role, by: "operator" },
          });
          return { userId: user.id, orgId: ctx.params.orgId, role: ctx.params.role };
        },
      },

      setUserDisabled: {
        visibility: "public",
        timeout: DB_TIMEOUT,
        params: { email, disabled: "boolean" },
        async handler(this: AuthService, ctx: Ctx<{ email: string; disabled: boolean }>) {
          const user = await findUserByEmail(this.db, ctx.params.email);
          if (!user) throw new ClientError("NOT_FOUND", "User not found");
          await setDisabled(this.db, user.id, ctx.params.disabled);
          let ended: string[] = [];
          if (ctx.params.disabled) ended = await revokeUserSessions(this.db, user.id, "account_disabled");
          this.forget(ended);
          this.credentialCache.clear();
          ctx.broadcast("session.ended", { ids: ended });
          await this.record(ctx, ctx.params.disabled ? "user.disabled" : "user.enabled", {
            actorId: null,
            orgId: null,
            target: user.id,
            data: { sessionsEnded: ended.length },
          });
          return { userId: user.id, disabled: ctx.params.disabled, sessionsEnded: ended.length };
        },
      },

      listUserSessions: {
        visibility: "public",
        timeout: DB_TIMEOUT,
        params: { email },
        async handler(this: AuthService, ctx: Ctx<{ email: string }>) {
          const user = await findUserByEmail(this.db, ctx.params.email);
          if (!user) throw new ClientError("NOT_FOUND", "User not found");
          const rows = await listActiveSessions(this.db, user.id);
          return rows.map((s) => ({ id: s.id, device: s.device, ip: s.ip, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt, expiresAt: s.expiresAt }));
        },
      },
    },

    events: {
      /** Another auth node ended sessions: drop them from this node's short credential cache. */
      "session.ended"(this: AuthService, ctx: Context<{ ids: string[] }>) {
        this.forget(ctx.params.ids ?? []);
      },
    },

    methods: {
      setRefreshCookie(ctx: Ctx, token: string) {
        ctx.meta.$responseHeaders = { ...ctx.meta.$responseHeaders, "Set-Cookie": refreshCookie(token, config.REFRESH_TOKEN_TTL_S, secureCookies) };
      },

      /** Mails a link that confirms the user's current address; `next` is where the app goes afterwards. */
      async sendVerification(this: AuthService, user: UserRow, next?: string) {
        const token = signMailToken("verify", { userId: user.id, email: user.email }, tokenSettings, config.EMAIL_VERIFY_TTL_S);
        const link = appLink(appBase, "/verify-email", { token, next: next && isLocalPath(next) ? next : undefined });
        try {
          await this.mailer.send(verificationMail(user.email, link));
        } catch (err) {
          // The account exists either way; the user can ask for another link.
          this.logger.error("Verification mail could not be sent", (err as Error).message);
        }
      },

      invalid(field: string, message: string) {
        return new ClientError("VALIDATION_ERROR", `${field} ${message}`, [{ field, message }]);
      },

      mayGrantRole(actor: Role, wanted: Role) {
        return ROLES.indexOf(wanted) <= ROLES.indexOf(actor);
      },

      membershipError(error: "NOT_FOUND" | "LAST_OWNER" | "FORBIDDEN") {
        if (error === "NOT_FOUND") return new ClientError("NOT_FOUND", "Member not found");
        if (error === "LAST_OWNER") return new ClientError("LAST_OWNER", "An organisation must keep at least one owner");
        return new ClientError("FORBIDDEN", "You cannot change a member above your own role or grant more than you hold");
      },

      async record(this: AuthService, ctx: Ctx, action: string, options?: AuditOptions) {
        try {
          await writeAudit(this.db, auditParams(ctx, action, options));
        } catch (err) {
          this.logger.error(`Audit entry ${action} could not be written`, err);
        }
      },

      forget(this: AuthService, sessionIds: string[]) {
        if (!sessionIds.length) return;
        const ids = new Set(sessionIds);
        for (const key of this.credentialCache.keys()) if (ids.has(key.split(":")[0]!)) this.credentialCache.delete(key);
      },

      async endSessions(this: AuthService, ctx: Ctx, ids: string[], reason: string) {
        for (const id of ids) await revokeSession(this.db, id, reason);
        this.forget(ids);
        ctx.broadcast("session.ended", { ids });
        for (const id of ids) await this.record(ctx, "session.ended", { target: id, data: { reason } });
      },

      mfaChallenge(user: UserRow, method: string) {
        return {
          mfaRequired: true,
          challengeToken: signChallengeToken({ userId: user.id, method }, tokenSettings, config.MFA_CHALLENGE_TTL_S),
        };
      },

      /** A TOTP code (single use per time step) or one unused recovery code. */
      async checkSecondFactor(this: AuthService, ctx: Ctx, user: UserRow, given: string): Promise<boolean> {
        if (/^\d{6}$/.test(given)) return totp.consumeTotp(this.db, user, given, mfaKey);
        if (totp.looksLikeRecoveryCode(given) && (await totp.consumeRecoveryCode(this.db, user.id, given))) {
          await this.record(ctx, "mfa.recoveryCodeUsed", { actorId: user.id, orgId: null, target: user.id });
          return true;
        }
        return false;
      },

      /** The org a new session starts in: the user's first membership (their personal org). */
      async defaultOrg(this: AuthService, userId: string): Promise<string | null> {
        const [first] = await listUserOrgs(this.db, userId);
        return first?.id ?? null;
      },

      /** The session's org while the user is still a member; otherwise their default org. */
      async currentOrg(this: AuthService, session: SessionRow): Promise<string | null> {
        if (session.orgId && (await getMembership(this.db, session.orgId, session.userId))) return session.orgId;
        return this.defaultOrg(session.userId);
      },

      async openSession(this: AuthService, ctx: Ctx, user: UserRow, o: { mfa: boolean; method: string; audit?: boolean }) {
        const orgId = await this.defaultOrg(user.id);
        const session = await createSession(this.db, {
          userId: user.id,
          orgId,
          device: ctx.meta.userAgent ?? "",
          ip: ctx.meta.ip ?? "",
          mfa: o.mfa,
          absoluteTtlS: config.SESSION_ABSOLUTE_TTL_S,
        });
        const refresh = await issueRefreshToken(this.db, session, config.REFRESH_TOKEN_TTL_S);
        this.setRefreshCookie(ctx, refresh.token);
        if (o.audit !== false)
          await this.record(ctx, "user.loggedIn", { actorId: user.id, orgId, target: session.id, data: { method: o.method } });
        return this.tokenResponse(session, orgId, refresh.token);
      },

      tokenResponse(session: SessionRow, orgId: string | null, refreshToken: string | null) {
        return {
          accessToken: signAccessToken({ userId: session.userId, sessionId: session.id, orgId }, tokenSettings),
          refreshToken,
          tokenType: "Bearer",
          expiresIn: config.ACCESS_TOKEN_TTL_S,
          sessionId: session.id,
          orgId,
        };
      },

      async loadSessionAuth(this: AuthService, sessionId: string, userId: string, orgId: string | null, ip: string): Promise<TenantAuthInfo> {
        const [row] = await this.db
          .select({ session: sessions, disabled: users.disabled, mfaEnabled: users.mfaEnabled })
          .from(sessions)
          .innerJoin(users, eq(users.id, sessions.userId))
          .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)))
          .limit(1);
        if (!row || row.session.revokedAt || row.session.expiresAt.getTime() <= Date.now())
          throw new ClientError("SESSION_REVOKED", "This session has ended; log in again");
        if (row.disabled) throw new ClientError("ACCOUNT_DISABLED", "This account is disabled");
        this.touch(sessionId, ip);
        let role: Role | null = null;
        let requireMfa = false;
        if (orgId) {
          const [m] = await this.db
            .select({ role: memberships.role, requireMfa: orgs.requireMfa })
            .from(memberships)
            .innerJoin(orgs, eq(orgs.id, memberships.orgId))
            .where(and(eq(memberships.orgId, orgId), eq(memberships.userId, userId)))
            .limit(1);
          role = m?.role ?? null;
          requireMfa = m?.requireMfa ?? false;
        }
        const info: TenantAuthInfo = {
          kind: "user",
          userId,
          orgId: role ? orgId : null,
          role,
          permissions: role ? [...ROLE_PERMISSIONS[role]] : [],
          sessionId,
          mfa: row.session.mfa,
        };
        if (role && requireMfa && !row.mfaEnabled) info.mfaEnrolmentRequired = true;
        return info;
      },

      async resolveKey(this: AuthService, token: string): Promise<TenantAuthInfo> {
        const key = await resolveApiKey(this.db, token);
        const creatorRole = key?.createdBy ? await getMembership(this.db, key.orgId, key.createdBy) : undefined;
        // A key never grants more than its creator's current role: demoting or removing them narrows
        // or kills it, and it dies with its creator's account when that is disabled (M3).
        const creator = creatorRole ? await getUser(this.db, key!.createdBy!) : undefined;
        if (!key || !creatorRole || !creator || creator.disabled) throw new ClientError("TOKEN_INVALID", "Invalid API key");
        const granted = ROLE_PERMISSIONS[creatorRole];
        await touchApiKey(this.db, key.id);
        return {
          kind: "apiKey",
          userId: null,
          orgId: key.orgId,
          role: null,
          permissions: (key.permissions as Permission[]).filter((p) => granted.has(p)),
          apiKeyId: key.id,
        };
      },

      /** last-seen is written at most once a minute per session: no write on every request. */
      touch(this: AuthService, sessionId: string, ip: string) {
        const now = Date.now();
        if ((this.lastTouched.get(sessionId) ?? 0) > now - 60_000) return;
        this.lastTouched.set(sessionId, now);
        if (this.lastTouched.size > 50_000) this.lastTouched.clear();
        touchSession(this.db, sessionId, ip).catch((err) => this.logger.warn("Could not update session last-seen", err));
      },
    },

    created(this: AuthService) {
      this.rateFallbackLoggedAt = 0;
      this.credentialCache = new Map();
      this.lastTouched = new Map();
      this.rateStore = redisUrl
        ? new FallbackRateLimitStore(
            new RedisRateLimitStore(
              new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 1 }),
              config.RATE_LIMIT_PREFIX ?? `${config.NAMESPACE}-ratelimit:`,
            ),
            (err) => {
              // Once a minute is enough to tell operators; every failed call would flood the log.
              if (Date.now() - this.rateFallbackLoggedAt < 60_000) return;
              this.rateFallbackLoggedAt = Date.now();
              this.logger.warn(`Log-in rate limits use this node's memory while Redis is unavailable: ${(err as Error).message}`);
            },
          )
        : new MemoryRateLimitStore();
      this.limiter = new LoginLimiter(this.rateStore, { limit: config.LOGIN_RATE_LIMIT, windowS: config.LOGIN_RATE_WINDOW_S });
      this.credLimiter = new CredentialLimiter(this.rateStore, { limit: config.CREDENTIAL_RATE_LIMIT, windowS: config.CREDENTIAL_RATE_WINDOW_S });
      this.mailer = createMailer({
        smtpUrl: config.SMTP_URL,
        from: config.MAIL_FROM,
        outboxDir: path.resolve(config.MAIL_OUTBOX_DIR ?? path.join(config.dataDir, "outbox")),
      });
      if (config.isProduction && this.mailer.kind === "outbox")
        this.logger.warn("SMTP_URL is not set: verification and password-reset mail is only written to the local outbox");
    },

    started(this: AuthService) {
      if (config.AUTH_PURGE_INTERVAL_S > 0) {
        this.purgeTimer = setInterval(() => {
          purgeExpired(this.db)
            .then((r) => this.logger.debug("Purged expired sessions and tokens", r))
            .catch((err) => this.logger.warn("Purge of expired sessions failed", err));
        }, config.AUTH_PURGE_INTERVAL_S * 1000);
        this.purgeTimer.unref();
      }
    },

    async stopped(this: AuthService) {
      if (this.purgeTimer) clearInterval(this.purgeTimer);
      await this.rateStore.close();
      this.mailer.close();
    },
  } as unknown as ServiceSchema;
}
