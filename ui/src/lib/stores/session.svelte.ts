import { invalidateAll } from "$app/navigation";
import { api, call, refreshAccess } from "$lib/api/client";
import type { LoginResponse, Me, OrgMembership, Permission, Role, TokenResponse } from "$lib/api/models";
import { tokens } from "$lib/api/tokens";

type Status = "unknown" | "loading" | "signedIn" | "signedOut";

/**
 * Who is signed in and what they may do in the current organisation, as the API says
 * (GET /api/auth/me). Pages ask `session.can("datasets.write")` instead of knowing roles.
 */
class SessionStore {
  status = $state<Status>("unknown");
  me = $state<Me | null>(null);

  user = $derived(this.me?.user ?? null);
  orgs = $derived<OrgMembership[]>(this.me?.orgs ?? []);
  role = $derived<Role | null>(this.me?.current.role ?? null);
  permissions = $derived<Permission[]>(this.me?.current.permissions ?? []);
  org = $derived<OrgMembership | null>(this.orgs.find((o) => o.id === this.me?.current.orgId) ?? null);

  constructor() {
    tokens.onChange(() => {
      if (!tokens.access && !tokens.mayRefresh && this.status === "signedIn") {
        this.me = null;
        this.status = "signedOut";
      }
    });
  }

  can = (permission: Permission): boolean => this.permissions.includes(permission);
  canAny = (...permissions: Permission[]): boolean => permissions.some((p) => this.permissions.includes(p));

  private starting: Promise<void> | null = null;

  /**
   * Resolves the session once at start-up: signed in when the refresh cookie still works. The
   * root layout's load awaits it, so every page's load runs knowing who is signed in; callers
   * during start-up share the one attempt.
   */
  init(): Promise<void> {
    if (this.status === "signedIn") return Promise.resolve();
    if (this.starting) return this.starting;
    // Known signed out (a refused refresh, a log-out): stay so without asking the server again.
    if (!tokens.access && !tokens.mayRefresh) {
      this.status = "signedOut";
      return Promise.resolve();
    }
    this.status = "loading";
    this.starting = (async () => {
      if (!tokens.access && !(await refreshAccess())) {
        this.status = "signedOut";
        return;
      }
      await this.reload();
    })().finally(() => (this.starting = null));
    return this.starting;
  }

  async reload(): Promise<void> {
    try {
      this.me = await call(api.GET("/api/auth/me"));
      this.status = "signedIn";
    } catch {
      this.me = null;
      this.status = "signedOut";
    }
  }

  /** Keeps the access token from log-in, sign-up, OAuth or MFA (the refresh token came as a cookie) and loads the profile. */
  async accept(t: TokenResponse): Promise<void> {
    tokens.set(t.accessToken);
    await this.reload();
  }

  async login(email: string, password: string): Promise<LoginResponse> {
    const res = await call(api.POST("/api/auth/login", { body: { email, password } }));
    if (!("mfaRequired" in res)) await this.accept(res);
    return res;
  }

  async loginMfa(challengeToken: string, code: string): Promise<void> {
    await this.accept(await call(api.POST("/api/auth/login/mfa", { body: { challengeToken, code } })));
  }

  async loginOAuth(code: string): Promise<LoginResponse> {
    const res = await call(api.POST("/api/auth/login/oauth", { body: { code } }));
    if (!("mfaRequired" in res)) await this.accept(res);
    return res;
  }

  /**
   * Creates the account; it logs in from the link in its confirmation mail (confirmSignup).
   * Sign-up answers alike whether or not the address already had an account, and a new account
   * cannot log in before its address is confirmed, so nothing tells which addresses are registered.
   * `next`: where the confirmation link in the mail leads after confirming (e.g. a pending invitation).
   */
  async signup(email: string, password: string, displayName?: string, next?: string): Promise<void> {
    await call(
      api.POST("/api/auth/signup", {
        body: { email, password, ...(displayName ? { displayName } : {}), ...(next ? { next } : {}) },
      }),
    );
  }

  /** The confirmation link's token and the account's password: confirms the address and logs in. */
  async confirmSignup(token: string, password: string): Promise<LoginResponse> {
    const res = await call(api.POST("/api/auth/signup/confirm", { body: { token, password } }));
    if (!("mfaRequired" in res)) await this.accept(res);
    return res;
  }

  /** Switches organisation, then re-runs the pages' load functions: what they read was the other org's. */
  async switchOrg(orgId: string): Promise<void> {
    const res = await call(api.POST("/api/auth/orgs/switch", { body: { orgId } }));
    tokens.set(res.accessToken);
    await this.reload();
    await invalidateAll();
  }

  async logout(): Promise<void> {
    try {
      if (tokens.access || tokens.mayRefresh) await call(api.POST("/api/auth/logout"));
    } catch {
      /* the session may already be gone: signing out locally is what matters */
    }
    tokens.clear();
    this.me = null;
    this.status = "signedOut";
  }
}

export const session = new SessionStore();
