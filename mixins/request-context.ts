import { AsyncLocalStorage } from "node:async_hooks";
import type { ActionHandler, Context, Middleware } from "moleculer";

/**
 * Carries the current call's request id through async work so that every log line written
 * while handling it can name it (the correlation id across services: Moleculer forwards
 * `requestID` to remote nodes with the context).
 */
export const requestContext = new AsyncLocalStorage<{ requestId: string }>();

export const RequestContextMiddleware: Middleware = {
  name: "RequestContext",
  localAction(next: ActionHandler) {
    return (ctx: Context) => requestContext.run({ requestId: ctx.requestID ?? ctx.id }, () => next(ctx));
  },
  localEvent(next: (ctx: Context) => unknown) {
    return (ctx: Context) => requestContext.run({ requestId: ctx.requestID ?? ctx.id }, () => next(ctx));
  },
} as unknown as Middleware;
