import type { Context } from "moleculer";
import { Errors } from "moleculer";
import type { NodeOptions } from "@sentry/node";
import type { ChatlensMiddleware } from "../types/middleware.ts";
import type { Config } from "./index.ts";

/**
 * Optional error reporting to Sentry, on when SENTRY_DSN is set. The entry point calls
 * `initSentry(config)` once, before the broker is created, and passes the middlewares it returns
 * to the broker: without a DSN that is an empty list and @sentry/node is never even loaded.
 *
 * What is reported: server faults of actions (errors with code ≥ 500 or without a code, never a
 * MoleculerClientError: a wrong password is not a bug), uncaught exceptions and unhandled
 * rejections. Only the action, node, service list and request id travel with an error: no params,
 * no meta, no request bodies (they hold chat text and credentials), and no tracing.
 */
type SentryModule = typeof import("@sentry/node");

let sentry: SentryModule | null = null;

/** The same rule as the circuit breaker's (moleculer.config.ts): only server-side faults count. */
export function isServerFault(err: unknown): boolean {
  if (err instanceof Errors.MoleculerClientError) return false;
  const code = (err as { code?: unknown })?.code;
  return typeof code !== "number" || code >= 500;
}

export async function initSentry(
  config: Pick<Config, "SENTRY_DSN" | "NODE_ENV" | "NODE_ID" | "SERVICES">,
  /** Overrides for tests (a capturing transport) or an operator's fork. */
  options: Partial<NodeOptions> = {},
): Promise<ChatlensMiddleware[]> {
  if (!config.SENTRY_DSN) return [];
  const Sentry = await import("@sentry/node");
  Sentry.init({
    dsn: config.SENTRY_DSN,
    environment: config.NODE_ENV,
    release: process.env.SENTRY_RELEASE || process.env.npm_package_version,
    serverName: config.NODE_ID,
    // Errors only: no performance tracing, and none of the automatic HTTP/database
    // instrumentation (it would need loading before every other module under ESM).
    defaultIntegrations: false,
    integrations: [
      Sentry.onUncaughtExceptionIntegration(),
      Sentry.onUnhandledRejectionIntegration(),
      Sentry.linkedErrorsIntegration(),
      Sentry.dedupeIntegration(),
      Sentry.functionToStringIntegration(),
      Sentry.nodeContextIntegration(),
      Sentry.contextLinesIntegration(),
    ],
    ...options,
  });
  Sentry.setTag("services", config.SERVICES.join(","));
  sentry = Sentry;
  return [SentryMiddleware];
}

/** Reports an error with the context of the action that failed (no-op when Sentry is off). */
export function reportError(err: unknown, ctx?: Context, actionName?: string): void {
  const Sentry = sentry;
  if (!Sentry) return;
  Sentry.withScope((scope) => {
    if (actionName) scope.setTag("action", actionName);
    if (ctx) {
      scope.setTag("nodeID", ctx.nodeID ?? ctx.broker?.nodeID ?? "");
      if (ctx.requestID) scope.setTag("requestId", ctx.requestID);
      if (ctx.caller) scope.setTag("caller", ctx.caller);
      const user = (ctx.meta as { user?: { id?: string; orgId?: string } } | undefined)?.user;
      if (user?.id) scope.setUser({ id: user.id });
      if (user?.orgId) scope.setTag("orgId", user.orgId);
    }
    const code = (err as { code?: unknown })?.code;
    if (typeof code === "number") scope.setTag("code", String(code));
    const type = (err as { type?: unknown })?.type;
    if (typeof type === "string") scope.setTag("errorType", type);
    Sentry.captureException(err);
  });
}

/** Sends what is queued (graceful shutdown); resolves false when it did not finish in time. */
export async function flushSentry(timeoutMs = 2000): Promise<boolean> {
  return sentry ? sentry.flush(timeoutMs) : true;
}

/** Flushes and turns reporting off (tests; a process that exits needs only flushSentry). */
export async function closeSentry(timeoutMs = 2000): Promise<void> {
  const Sentry = sentry;
  sentry = null;
  if (Sentry) await Sentry.close(timeoutMs);
}

/**
 * Reports server faults of the actions this node runs (each failure once: where it happened, not
 * again on the calling node) and flushes the queue when the broker stops.
 */
export const SentryMiddleware = {
  name: "Sentry",
  localAction(next: (ctx: Context) => Promise<unknown>, action: { name: string }) {
    return function sentryReporter(ctx: Context) {
      return next(ctx).catch((err: unknown) => {
        if (isServerFault(err)) reportError(err, ctx, action.name);
        throw err;
      });
    };
  },
  async stopped() {
    await flushSentry();
  },
} satisfies ChatlensMiddleware;
