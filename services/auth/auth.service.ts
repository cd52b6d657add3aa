import type { Context, ServiceSchema } from "moleculer";
import type { AppContext } from "../../core/app-context.ts";
import { defineAction, type ActionMeta } from "../../core/define-action.ts";
import { dbMixin } from "../../mixins/db.mixin.ts";
import { tenantMixin } from "../../mixins/tenant.mixin.ts";
import * as C from "./contracts.ts";
import { clearRefreshCookie, refreshCookie } from "./cookies.ts";
import { createAuthRuntime, type AuthRuntime } from "./runtime.ts";
import { purgeExpired } from "./sessions.ts";
import * as apiKeys from "./use-cases/api-keys.ts";
import * as audit from "./use-cases/audit.ts";
import type { AuthDeps } from "./use-cases/context.ts";
import * as credentials from "./use-cases/credentials.ts";
import * as emailVerification from "./use-cases/email-verification.ts";
import * as invitations from "./use-cases/invitations.ts";
import * as mfa from "./use-cases/mfa.ts";
import * as oauth from "./use-cases/oauth.ts";
import * as operator from "./use-cases/operator.ts";
import * as orgs from "./use-cases/orgs.ts";
import * as password from "./use-cases/password.ts";
import * as profile from "./use-cases/profile.ts";
import * as sessions from "./use-cases/sessions.ts";
import * as signIn from "./use-cases/sign-in.ts";

/**
 * Accounts, organisations and roles, sessions and tokens, OAuth, MFA, API keys, audit: the
 * wiring. Contracts (params, guards, answers) are in contracts.ts, the logic in use-cases/,
 * the HTTP paths in routes.ts.
 */
export default function createAuthService(app: AppContext): ServiceSchema {
  const { config } = app;
  const secureCookies = config.isProduction || !!config.PUBLIC_URL?.startsWith("https:");
  let runtime: AuthRuntime;
  let deps: AuthDeps;
  let purgeTimer: NodeJS.Timeout | undefined;

  /** A new refresh token in the answer also goes out as the web app's httpOnly cookie. */
  const withRefreshCookie = <T extends object>(meta: ActionMeta, body: T): T => {
    if ("refreshToken" in body && typeof body.refreshToken === "string")
      meta.$responseHeaders = {
        ...meta.$responseHeaders,
        "Set-Cookie": refreshCookie(body.refreshToken, config.REFRESH_TOKEN_TTL_S, secureCookies),
      };
    return body;
  };

  return {
    name: "auth",
    mixins: [dbMixin(app), tenantMixin()],

    actions: {
      resolveCredential: defineAction(C.resolveCredential, (ctx) =>
        credentials.resolveCredential(deps, ctx.params, ctx.meta.ip ?? ""),
      ),

      signup: defineAction(C.signup, (ctx) => signIn.signup(deps, ctx, ctx.params)),
      login: defineAction(C.login, async (ctx) =>
        withRefreshCookie(ctx.meta, await signIn.login(deps, ctx, ctx.params)),
      ),
      confirmSignup: defineAction(C.confirmSignup, async (ctx) =>
        withRefreshCookie(ctx.meta, await signIn.confirmSignup(deps, ctx, ctx.params)),
      ),
      loginMfa: defineAction(C.loginMfa, async (ctx) =>
        withRefreshCookie(ctx.meta, await signIn.loginMfa(deps, ctx, ctx.params)),
      ),
      exchangeCode: defineAction(C.exchangeCode, async (ctx) =>
        withRefreshCookie(ctx.meta, await signIn.exchangeCode(deps, ctx, ctx.params)),
      ),
      refresh: defineAction(C.refresh, async (ctx) =>
        withRefreshCookie(ctx.meta, await signIn.refresh(deps, ctx, ctx.params)),
      ),
      logout: defineAction(C.logout, async (ctx) => {
        const body = await signIn.logout(deps, ctx);
        ctx.meta.$responseHeaders = { ...ctx.meta.$responseHeaders, "Set-Cookie": clearRefreshCookie(secureCookies) };
        return body;
      }),

      sendVerificationEmail: defineAction(C.sendVerificationEmail, (ctx) =>
        emailVerification.sendVerificationEmail(deps, ctx, ctx.params),
      ),
      verifyEmail: defineAction(C.verifyEmail, (ctx) => emailVerification.verifyEmail(deps, ctx, ctx.params)),
      forgotPassword: defineAction(C.forgotPassword, (ctx) => password.forgotPassword(deps, ctx, ctx.params)),
      resetPassword: defineAction(C.resetPassword, (ctx) => password.resetPassword(deps, ctx, ctx.params)),

      providers: defineAction(C.providers, () => profile.providers(deps)),
      me: defineAction(C.me, (ctx) => profile.me(deps, ctx)),
      updateProfile: defineAction(C.updateProfile, (ctx) => profile.updateProfile(deps, ctx, ctx.params)),
      changePassword: defineAction(C.changePassword, async (ctx) =>
        withRefreshCookie(ctx.meta, await password.changePassword(deps, ctx, ctx.params)),
      ),

      listSessions: defineAction(C.listSessions, (ctx) => sessions.listSessions(deps, ctx)),
      endSession: defineAction(C.endSession, (ctx) => sessions.endSession(deps, ctx, ctx.params)),

      listOrgs: defineAction(C.listOrgs, (ctx) => orgs.listOrgs(deps, ctx)),
      createOrg: defineAction(C.createOrg, (ctx) => orgs.createOrg(deps, ctx, ctx.params)),
      switchOrg: defineAction(C.switchOrg, (ctx) => orgs.switchOrg(deps, ctx, ctx.params)),
      updateOrg: defineAction(C.updateOrg, (ctx) => orgs.updateOrg(deps, ctx, ctx.params)),
      listMembers: defineAction(C.listMembers, (ctx) => orgs.listMembers(deps, ctx)),
      changeMemberRole: defineAction(C.changeMemberRole, (ctx) => orgs.changeMemberRole(deps, ctx, ctx.params)),
      removeMember: defineAction(C.removeMember, (ctx) => orgs.removeMember(deps, ctx, ctx.params)),

      listInvitations: defineAction(C.listInvitations, (ctx) => invitations.listInvitations(deps, ctx)),
      createInvitation: defineAction(C.createInvitation, (ctx) => invitations.createInvitation(deps, ctx, ctx.params)),
      revokeInvitation: defineAction(C.revokeInvitation, (ctx) => invitations.revokeInvitation(deps, ctx, ctx.params)),
      acceptInvitation: defineAction(C.acceptInvitation, (ctx) => invitations.acceptInvitation(deps, ctx, ctx.params)),

      enrolMfa: defineAction(C.enrolMfa, (ctx) => mfa.enrolMfa(deps, ctx)),
      confirmMfa: defineAction(C.confirmMfa, (ctx) => mfa.confirmMfa(deps, ctx, ctx.params)),
      disableMfa: defineAction(C.disableMfa, (ctx) => mfa.disableMfa(deps, ctx, ctx.params)),

      listApiKeys: defineAction(C.listApiKeys, (ctx) => apiKeys.listApiKeys(deps, ctx)),
      createApiKey: defineAction(C.createApiKey, (ctx) => apiKeys.createApiKey(deps, ctx, ctx.params)),
      revokeApiKey: defineAction(C.revokeApiKey, (ctx) => apiKeys.revokeApiKey(deps, ctx, ctx.params)),

      listAudit: defineAction(C.listAudit, (ctx) => audit.listAudit(deps, ctx, ctx.params)),
      audit: defineAction(C.audit, (ctx) => audit.writeEntry(deps, ctx.params)),

      completeOAuth: defineAction(C.completeOAuth, (ctx) => oauth.completeOAuth(deps, ctx, ctx.params)),

      purgeExpired: defineAction(C.purgeExpired, () => purgeExpired(deps.db)),
      createUser: defineAction(C.createUser, (ctx) => operator.createUser(deps, ctx, ctx.params)),
      grantRole: defineAction(C.grantRole, (ctx) => orgs.grantRole(deps, ctx, ctx.params)),
      setUserDisabled: defineAction(C.setUserDisabled, (ctx) => operator.setUserDisabled(deps, ctx, ctx.params)),
      listUserSessions: defineAction(C.listUserSessions, (ctx) => sessions.listUserSessions(deps, ctx.params)),
    },

    events: {
      /** Another auth node ended sessions: drop them from this node's credential cache. */
      "session.ended"(ctx: Context<{ ids?: unknown }>) {
        const ids: unknown = ctx.params?.ids;
        if (Array.isArray(ids)) runtime.credentials.forget(ids.filter((id): id is string => typeof id === "string"));
      },
    },

    created() {
      runtime = createAuthRuntime(config, this.logger, (ids) => void this.broker.broadcast("session.ended", { ids }));
    },

    async started() {
      deps = runtime.deps((await app.database()).db);
      if (config.AUTH_PURGE_INTERVAL_S > 0) {
        purgeTimer = setInterval(() => {
          purgeExpired(deps.db)
            .then((r) => this.logger.debug("Purged expired sessions and tokens", r))
            .catch((err) => this.logger.warn("Purge of expired sessions failed", err));
        }, config.AUTH_PURGE_INTERVAL_S * 1000);
        purgeTimer.unref();
      }
    },

    async stopped() {
      if (purgeTimer) clearInterval(purgeTimer);
      await runtime.close();
    },
  };
}
