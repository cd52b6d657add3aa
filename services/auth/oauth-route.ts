import type { IncomingMessage, ServerResponse } from "node:http";
import grantModule, { type GrantConfig, type GrantHandler, type GrantResponse } from "grant";
import type { Service } from "moleculer";
import type { Config } from "../../config/index.ts";
import { OAUTH_BINDING_COOKIE, oauthBinding, oauthBindingCookie } from "./cookies.ts";
import {
  discover,
  fetchGithubIdentity,
  OAuthError,
  verifyGoogleIdToken,
  type OAuthProvider,
  type ProviderIdentity,
} from "./oauth.ts";

/**
 * OAuth log-in through grant, as a gateway route (GET /api/auth/oauth/:provider starts it,
 * …/:provider/callback ends it). grant keeps `state`, the PKCE verifier and the OIDC nonce in a
 * signed cookie; this route then checks the provider's answer (Google's id_token signature
 * against its JWKS, GitHub's verified e-mail via its API), lets the auth service link or create
 * the account, and redirects the browser to the web app with a one-time code
 * (`OAUTH_REDIRECT_URL?code=…`), which the app exchanges at POST /api/auth/login/oauth.
 * Tokens never appear in a URL. Failures redirect with `?error=<CODE>`.
 */
export const OAUTH_PREFIX = "/api/auth/oauth";

type Req = IncomingMessage & { originalUrl?: string; url: string };
// grant is CommonJS: under NodeNext its declared `export default` is the module's `default`
// property, which grant.js sets to itself (`grant.default = grant`), so this is grant.node.
const grantNode = grantModule.default.node;
type Gateway = Service & { clientAddress(req: IncomingMessage): string };

interface Providers {
  google?: { issuer: string; jwksUri: string; clientId: string };
  github?: { apiUrl: string };
  grantConfig: GrantConfig;
}

async function providerConfig(config: Config, origin: string): Promise<Providers> {
  const common = { state: true, pkce: true, transport: "state", response: ["tokens"] };
  const grantConfig: GrantConfig = { defaults: { origin, prefix: OAUTH_PREFIX, transport: "state" } };
  const out: Providers = { grantConfig };
  if (config.GOOGLE_CLIENT_ID && config.GOOGLE_CLIENT_SECRET) {
    const d = await discover(config.GOOGLE_ISSUER);
    grantConfig.google = {
      ...common,
      key: config.GOOGLE_CLIENT_ID,
      secret: config.GOOGLE_CLIENT_SECRET,
      authorize_url: d.authorization_endpoint,
      access_url: d.token_endpoint,
      scope: ["openid", "email", "profile"],
      nonce: true,
    };
    out.google = { issuer: d.issuer, jwksUri: d.jwks_uri, clientId: config.GOOGLE_CLIENT_ID };
  }
  if (config.GITHUB_CLIENT_ID && config.GITHUB_CLIENT_SECRET) {
    grantConfig.github = {
      ...common,
      key: config.GITHUB_CLIENT_ID,
      secret: config.GITHUB_CLIENT_SECRET,
      authorize_url: config.GITHUB_AUTH_URL,
      access_url: config.GITHUB_TOKEN_URL,
      scope: ["read:user", "user:email"],
    };
    out.github = { apiUrl: config.GITHUB_API_URL };
  }
  return out;
}

/** Which OAuth providers this deployment has credentials for (what the log-in page offers). */
export function configuredProviders(config: Config): { id: OAuthProvider; name: string; startUrl: string }[] {
  const out: { id: OAuthProvider; name: string; startUrl: string }[] = [];
  if (config.GOOGLE_CLIENT_ID && config.GOOGLE_CLIENT_SECRET)
    out.push({ id: "google", name: "Google", startUrl: `${OAUTH_PREFIX}/google` });
  if (config.GITHUB_CLIENT_ID && config.GITHUB_CLIENT_SECRET)
    out.push({ id: "github", name: "GitHub", startUrl: `${OAUTH_PREFIX}/github` });
  return out;
}

/** Without PUBLIC_URL (development), the address this socket was accepted on: never the Host header. */
function originOf(config: Config, req: IncomingMessage): string {
  if (config.PUBLIC_URL) return config.PUBLIC_URL.replace(/\/$/, "");
  const host = req.socket.localAddress ?? "127.0.0.1";
  return `http://${host.includes(":") ? `[${host}]` : host}:${req.socket.localPort}`;
}

function redirect(res: ServerResponse, location: string) {
  if (res.headersSent) return;
  res.statusCode = 302;
  res.setHeader("location", location);
  res.setHeader("cache-control", "no-store");
  res.end();
}

async function identityFrom(p: Providers, provider: OAuthProvider, response: GrantResponse): Promise<ProviderIdentity> {
  if (provider === "google") {
    if (typeof response.id_token !== "string") throw new OAuthError("OAUTH_FAILED", "Google returned no id_token");
    return verifyGoogleIdToken(response.id_token, p.google!);
  }
  if (typeof response.access_token !== "string")
    throw new OAuthError("OAUTH_FAILED", "GitHub returned no access token");
  return fetchGithubIdentity(response.access_token, p.github!.apiUrl);
}

export function createOAuthRoute(config: Config) {
  const handlers = new Map<string, Promise<{ providers: Providers; handle: GrantHandler }>>();
  const setup = (origin: string) => {
    let h = handlers.get(origin);
    if (!h) {
      h = providerConfig(config, origin).then((providers) => ({
        providers,
        handle: grantNode({
          config: providers.grantConfig,
          session: {
            secret: config.secrets.OAUTH_SESSION_SECRET,
            cookie: { path: OAUTH_PREFIX, httpOnly: true, sameSite: "lax", secure: origin.startsWith("https:") },
          },
        }),
      }));
      h.catch(() => handlers.delete(origin));
      handlers.set(origin, h);
    }
    return h;
  };

  async function oauthMiddleware(this: Gateway, req: Req, res: ServerResponse, next: (err?: unknown) => void) {
    const url = req.originalUrl ?? req.url;
    const match = /^\/api\/auth\/oauth\/([a-z]+)(\/callback)?(?:\?|$)/.exec(url);
    if (req.method !== "GET" || !match) return next();
    const origin = originOf(config, req);
    const back = (query: string) => redirect(res, `${origin}${config.OAUTH_REDIRECT_URL}?${query}`);
    let setupResult;
    try {
      setupResult = await setup(origin);
    } catch (err) {
      this.logger.error("OAuth set-up failed (provider discovery)", err);
      return back("error=OAUTH_FAILED");
    }
    const { providers, handle } = setupResult;
    const provider = match[1] as OAuthProvider;
    if (!(provider === "google" ? providers.google : provider === "github" ? providers.github : undefined))
      return next();
    // Without grant's cookie there is no state to check against; grant would send the browser to "/".
    if (match[2] && !/(?:^|;\s*)grant=/.test(String(req.headers.cookie ?? ""))) return back("error=OAUTH_FAILED");
    // moleculer-web strips the route path from req.url; grant matches on the full path.
    const stripped = req.url;
    req.url = url;
    try {
      const { response } = await handle(req, res);
      if (!match[2] || !response) return;
      if (response.error) {
        this.logger.warn(`OAuth ${provider} callback refused`, response.error);
        return back("error=OAUTH_FAILED");
      }
      const identity = await identityFrom(providers, provider, response);
      const { code } = await this.broker.call<{ code: string }, ProviderIdentity>("auth.completeOAuth", identity, {
        meta: { ip: this.clientAddress(req), userAgent: String(req.headers["user-agent"] ?? "").slice(0, 300) },
      });
      // The code works only from this browser (L3): it gets the code's binding as an httpOnly cookie.
      const previous = res.getHeader("set-cookie");
      const cookies = previous === undefined ? [] : Array.isArray(previous) ? previous.map(String) : [String(previous)];
      const secure = origin.startsWith("https:");
      res.setHeader("set-cookie", [
        ...cookies.filter((c) => !c.startsWith(`${OAUTH_BINDING_COOKIE}=`)),
        oauthBindingCookie(oauthBinding(config.secrets.OAUTH_SESSION_SECRET, code), config.OAUTH_CODE_TTL_S, secure),
      ]);
      back(`code=${encodeURIComponent(code)}`);
    } catch (err) {
      const code = (err as { type?: string; code?: string }).type ?? (err as OAuthError).code;
      this.logger.warn(`OAuth ${provider} log-in failed`, (err as Error).message);
      back(`error=${/^[A-Z_]+$/.test(String(code)) ? code : "OAUTH_FAILED"}`);
    } finally {
      req.url = stripped;
    }
  }

  return {
    name: "oauth",
    path: OAUTH_PREFIX,
    mappingPolicy: "restrict",
    autoAliases: false,
    authentication: false,
    authorization: false,
    aliases: {},
    bodyParsers: false,
    use: [oauthMiddleware],
  };
}
