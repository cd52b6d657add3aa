import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { Context, ServiceSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import { checkAccess, type AuthInfo, type CallMeta } from "../../core/permissions.ts";
import { createOAuthRoute } from "../auth/oauth-route.ts";
import type { AppContext } from "../../core/app-context.ts";
import { toOpenAIError } from "../embedder/openai.ts";
import { ClientError } from "../../core/errors.ts";
import { sendJsonError, writeJsonError } from "./errors.ts";
import { checkReadiness } from "../../core/readiness.ts";
import { buildOpenApi, type ActionDoc } from "./openapi.ts";
import { API_ALIASES, OPENAI_ALIASES, UPLOAD_ALIASES } from "./routes.ts";
import { docsPage, swaggerAsset } from "./docs.ts";
import { createSecurityHeaders } from "./security-headers.ts";
import { readAuthCookies } from "../auth/cookies.ts";
import { OPENAPI_SCHEMAS } from "./openapi-schemas.ts";
import { ref, str } from "../../core/json-schema.ts";

const PACKAGE_VERSION = "0.1.0";

type Req = IncomingMessage & {
  $ctx?: Context<unknown, CallMeta>;
  headers: Record<string, string | string[] | undefined>;
};

/** Client-chosen request ids are echoed in logs and headers: accept only harmless ones. */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * A route that reaches only its listed aliases, authenticates every call and stamps the
 * caller's address and user agent into the context. Routes sharing a path need distinct
 * names, or moleculer-web keeps only the last one.
 */
function guardedRoute(name: string, prefix: string, aliases: Record<string, string>, options: Record<string, unknown>) {
  return {
    name,
    path: prefix,
    mappingPolicy: "restrict",
    autoAliases: false,
    authentication: true,
    authorization: true,
    aliases,
    onBeforeCall(this: { prepareContext: Function }, ctx: Context, route: unknown, req: Req) {
      this.prepareContext(ctx, route, req);
    },
    ...options,
  };
}

export default function createApiService(app: AppContext): ServiceSchema {
  const { config } = app;
  const uiDir = path.resolve(config.UI_DIR);
  const exposeInternals = !config.isProduction;
  const securityHeaders = createSecurityHeaders({ uiDir, production: config.isProduction });

  return {
    name: "api",
    mixins: [ApiGateway],

    created(this: { server?: Server }) {
      // Node closes an idle kept-alive connection after 5 s. A client that sends its next request
      // on it at that moment gets ECONNRESET, which happened whenever the event loop had been busy
      // for seconds (a large import on PGlite) and both timers fired together. A longer idle time
      // than the clients' (browsers, undici: 4 s) and than proxies' (60 s) lets the client close first.
      const server = this.server;
      if (server) {
        server.keepAliveTimeout = 65_000;
        server.headersTimeout = 66_000;
      }
    },

    settings: {
      port: config.PORT,
      ip: config.HOST,
      log4XXResponses: false,
      logRequestParams: null,
      logResponseData: null,
      httpServerTimeout: 0,
      routes: [
        // OAuth redirects (grant) come first: their paths lie under /api but are not aliases.
        createOAuthRoute(config),
        guardedRoute("api", "/api", API_ALIASES, {
          bodyParsers: { json: { strict: true, limit: "1mb" }, urlencoded: false },
          callOptions: { meta: {} },
        }),
        // Uploads stream through to the ingest service (over the transporter in a cluster):
        // no body parser, so nothing is buffered here; busboy enforces the size and count limits.
        guardedRoute("uploads", "/api", UPLOAD_ALIASES, {
          bodyParsers: false,
          busboyConfig: {
            limits: { files: config.UPLOAD_MAX_FILES, fileSize: config.UPLOAD_MAX_BYTES, fields: 20 },
            // busboy destroys an over-limit file stream with an error at once, possibly before the
            // action has attached to it: an unheard "error" would crash the process. The action
            // reads the stream's error and answers 413.
            onFileSizeLimit: (file: NodeJS.ReadableStream) => void file.on("error", () => {}),
          },
          callOptions: { timeout: 0 },
        }),
        guardedRoute("openai", "/v1", OPENAI_ALIASES, {
          bodyParsers: { json: { strict: true, limit: "8mb" }, urlencoded: false },
          // OpenAI clients parse { error: { message, type, param, code } }: this route answers in that shape.
          onError(req: Req, res: ServerResponse, err: Error) {
            const { status, body } = toOpenAIError(err as never, exposeInternals);
            writeJsonError(req, res, status, body);
          },
        }),
      ],
      assets: existsSync(uiDir) ? { folder: uiDir, options: { index: "index.html", maxAge: "1h" } } : undefined,
      onError(this: unknown, req: Req, res: ServerResponse, err: Error) {
        sendJsonError(req, res, err as never, exposeInternals);
      },
    },

    actions: {
      // moleculer-web's entry action, one per HTTP request. Not retried: a timeout inside it (a
      // slow log-in under load) made the broker replay the whole request (a second log-in, upload
      // or index rebuild); the calls the request makes carry their own retry policy.
      rest: { retryPolicy: { enabled: false } },
      health: {
        auth: "public",
        openapi: { summary: "Liveness of this node", response: ref("Health") },
        params: {},
        handler(this: { broker: { nodeID: string } }) {
          return { status: "ok", nodeID: this.broker.nodeID, uptimeS: Math.round(process.uptime()) };
        },
      },
      openapi: {
        auth: "public",
        openapi: { summary: "This OpenAPI document", response: { type: "object", additionalProperties: true } },
        params: {},
        handler(this: { broker: import("moleculer").ServiceBroker }) {
          const actions = new Map<string, ActionDoc>();
          for (const a of this.broker.registry.getActionList({ skipInternal: true, withEndpoints: false }))
            if (a.action) actions.set(a.name, a.action as ActionDoc);
          return buildOpenApi(
            [
              { prefix: "/api", aliases: API_ALIASES },
              { prefix: "/api", aliases: UPLOAD_ALIASES },
              { prefix: "/v1", aliases: OPENAI_ALIASES, errorSchema: "OpenAIError" },
            ],
            actions,
            { version: PACKAGE_VERSION },
            OPENAPI_SCHEMAS,
          );
        },
      },
      docs: {
        auth: "public",
        openapi: { summary: "Interactive API documentation (Swagger UI)", content: { "text/html": str } },
        params: {},
        handler(ctx: Context<unknown, { $responseType?: string }>) {
          ctx.meta.$responseType = "text/html; charset=utf-8";
          return docsPage();
        },
      },
      docsAsset: {
        auth: "public",
        openapi: { summary: "A Swagger UI asset", content: { "text/css": str, "application/javascript": str } },
        params: { file: { type: "string", max: 64 } },
        handler(ctx: Context<{ file: string }, { $responseType?: string }>) {
          const asset = swaggerAsset(ctx.params.file);
          ctx.meta.$responseType = asset.type;
          return asset.body;
        },
      },
      ready: {
        auth: "public",
        openapi: {
          summary:
            "Readiness: 503 when the database or transporter is down; a cacher outage is reported but serving goes on",
          response: ref("Readiness"),
        },
        params: {},
        async handler(this: { broker: never }, ctx: Context<unknown, { $statusCode?: number }>) {
          const { ready, checks } = await checkReadiness(this.broker, app);
          if (!ready) ctx.meta.$statusCode = 503;
          return { status: ready ? "ready" : "unavailable", checks };
        },
      },
    },

    methods: {
      /** Resolves a bearer token (access JWT or API key) to the caller; no header = anonymous. */
      async authenticate(ctx: Context<unknown, CallMeta>, _route: unknown, req: Req): Promise<AuthInfo | null> {
        const header = req.headers.authorization;
        if (!header) return null;
        const match = /^Bearer\s+(\S+)$/i.exec(String(header));
        if (!match) throw new ClientError("UNAUTHORIZED", "Authorization header must be 'Bearer <token>'");
        return (await ctx.call("auth.resolveCredential", { token: match[1] })) as AuthInfo;
      },

      /**
       * moleculer-web stores what authenticate() returned as meta.user; services read meta.auth.
       * Whether the caller may run the action is decided by the permissions middleware.
       */
      authorize(
        ctx: Context<unknown, CallMeta & { user?: AuthInfo | null }>,
        _route: unknown,
        req: Req & { $action?: { auth?: "public" | "user"; permissions?: never[] } },
      ) {
        if (ctx.meta.user) ctx.meta.auth = ctx.meta.user;
        delete ctx.meta.user;
        // Also checked here, before the call: the broker's validator and cacher wrap the permissions
        // middleware, so otherwise an anonymous caller would get validation errors (or cached answers) first.
        if (req.$action) checkAccess({ auth: req.$action.auth, permissions: req.$action.permissions }, ctx.meta);
      },

      prepareContext(ctx: Context<unknown, CallMeta>, _route: unknown, req: Req) {
        ctx.meta.ip = this.clientAddress(req);
        ctx.meta.userAgent = String(req.headers["user-agent"] ?? "").slice(0, 300);
        // Only the auth endpoints that read a cookie get it; it never travels with other calls.
        const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? "";
        if (/^\/api\/auth\/(refresh|login\/oauth)(\?|$)/.test(url)) {
          const cookies = readAuthCookies(req.headers.cookie as string | undefined);
          if (cookies.refresh || cookies.oauthBinding) ctx.meta.cookies = cookies;
        }
      },

      /** The peer address, or the first X-Forwarded-For hop only when the proxy is trusted. */
      clientAddress(req: Req): string {
        if (config.TRUST_PROXY) {
          const forwarded = String(req.headers["x-forwarded-for"] ?? "")
            .split(",")[0]
            ?.trim();
          if (forwarded) return forwarded;
        }
        return req.socket.remoteAddress ?? "";
      },

      /**
       * The web app routes on the client: a page path that is neither an API route nor a
       * static file gets index.html, so deep links and reloads work.
       */
      send404(req: Req, res: ServerResponse) {
        const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? "";
        const isPage = (req.method === "GET" || req.method === "HEAD") && !/^\/(api|v1)(\/|$|\?)/.test(url);
        if (isPage && existsSync(path.join(uiDir, "index.html"))) {
          res.statusCode = 200;
          res.setHeader("Content-Type", "text/html; charset=utf-8");
          res.setHeader("Cache-Control", "no-cache");
          return void res.end(req.method === "HEAD" ? undefined : readFileSync(path.join(uiDir, "index.html")));
        }
        return (ApiGateway.methods!.send404 as Function).call(this, req, res);
      },

      httpHandler(req: Req, res: ServerResponse, next?: (err?: unknown) => void) {
        const id = req.headers["x-request-id"];
        if (id !== undefined && !SAFE_REQUEST_ID.test(String(id))) delete req.headers["x-request-id"];
        if (
          req.headers["x-correlation-id"] !== undefined &&
          !SAFE_REQUEST_ID.test(String(req.headers["x-correlation-id"]))
        )
          delete req.headers["x-correlation-id"];
        securityHeaders(req, res, () => undefined);
        return (ApiGateway.methods!.httpHandler as Function).call(this, req, res, next);
      },
    },
  } as ServiceSchema;
}
