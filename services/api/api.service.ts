import { existsSync } from "node:fs";
import path from "node:path";
import type { Server, ServerResponse } from "node:http";
import type { Context, Service, ServiceBroker, ServiceSchema } from "moleculer";
import ApiGateway from "moleculer-web";
import type { AppContext } from "../../core/app-context.ts";
import { defineAction } from "../../core/define-action.ts";
import type { AuthInfo, CallMeta } from "../../core/permissions.ts";
import { checkReadiness } from "../../core/readiness.ts";
import { createOAuthRoute } from "../auth/oauth-route.ts";
import { toOpenAIError } from "../embedder/openai.ts";
import * as C from "./contracts.ts";
import { docsPage, swaggerAsset } from "./docs.ts";
import { sendJsonError, writeJsonError } from "./errors.ts";
import { buildOpenApi, type ActionDoc } from "./openapi.ts";
import { OPENAPI_SCHEMAS } from "./openapi-schemas.ts";
import {
  authenticate,
  authorize,
  clientAddress,
  dropUnsafeRequestIds,
  prepareContext,
  serveAppPage,
  type Req,
} from "./requests.ts";
import { API_ALIASES, OPENAI_ALIASES, UPLOAD_ALIASES } from "./routes.ts";
import { createSecurityHeaders } from "./security-headers.ts";

const PACKAGE_VERSION = "0.1.0";

/** moleculer-web's own request handling, which the service's methods extend. */
const gatewayMethods = ApiGateway.methods!;

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
    onBeforeCall(
      this: { prepareContext(ctx: Context, route: unknown, req: Req): void },
      ctx: Context,
      route: unknown,
      req: Req,
    ) {
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

    created(this: Service & { server?: Server }) {
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
            const { status, body } = toOpenAIError(err, exposeInternals);
            writeJsonError(req, res, status, body);
          },
        }),
      ],
      assets: existsSync(uiDir) ? { folder: uiDir, options: { index: "index.html", maxAge: "1h" } } : undefined,
      onError(this: unknown, req: Req, res: ServerResponse, err: Error) {
        sendJsonError(req, res, err, exposeInternals);
      },
    },

    actions: {
      // moleculer-web's entry action, one per HTTP request. Not retried: a timeout inside it (a
      // slow log-in under load) made the broker replay the whole request (a second log-in, upload
      // or index rebuild); the calls the request makes carry their own retry policy.
      rest: { retryPolicy: { enabled: false } },
      health: defineAction(C.health, (ctx) => ({
        status: "ok",
        nodeID: ctx.broker.nodeID,
        uptimeS: Math.round(process.uptime()),
      })),
      openapi: defineAction(C.openapi, (ctx) => openApiDocument(ctx.broker)),
      docs: defineAction(C.docs, (ctx) => {
        ctx.meta.$responseType = "text/html; charset=utf-8";
        return docsPage();
      }),
      docsAsset: defineAction(C.docsAsset, (ctx) => {
        const asset = swaggerAsset(ctx.params.file);
        ctx.meta.$responseType = asset.type;
        return asset.body;
      }),
      ready: defineAction(C.ready, async (ctx) => {
        const { ready, checks } = await checkReadiness(ctx.broker, app);
        if (!ready) ctx.meta.$statusCode = 503;
        return { status: ready ? "ready" : "unavailable", checks };
      }),
    },

    // moleculer-web calls these by name; the logic is in requests.ts.
    methods: {
      authenticate(ctx: Context<unknown, CallMeta>, _route: unknown, req: Req) {
        return authenticate(req, (token) => ctx.call<AuthInfo, { token: string }>("auth.resolveCredential", { token }));
      },
      authorize(ctx: Context<unknown, CallMeta & { user?: AuthInfo | null }>, _route: unknown, req: Req) {
        authorize(ctx.meta, req);
      },
      prepareContext(ctx: Context<unknown, CallMeta>, _route: unknown, req: Req) {
        prepareContext(ctx.meta, req, config.TRUST_PROXY);
      },
      /** The caller's address; the OAuth route (auth/oauth-route.ts), which runs as this service, reads it too. */
      clientAddress(req: Req) {
        return clientAddress(req, config.TRUST_PROXY);
      },
      send404(req: Req, res: ServerResponse) {
        if (!serveAppPage(req, res, uiDir)) gatewayMethods.send404!.call(this, req, res);
      },
      httpHandler(req: Req, res: ServerResponse, next?: (err?: unknown) => void) {
        dropUnsafeRequestIds(req);
        securityHeaders(req, res, () => undefined);
        return gatewayMethods.httpHandler!.call(this, req, res, next);
      },
    },
  };
}

/** The OpenAPI document of every published action the cluster serves now, built from their contracts. */
function openApiDocument(broker: ServiceBroker) {
  const actions = new Map<string, ActionDoc>();
  for (const a of broker.registry.getActionList({ skipInternal: true, withEndpoints: false }))
    if (a.action) actions.set(a.name, { ...a.action, name: a.name });
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
}
