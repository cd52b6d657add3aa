import { AsyncLocalStorage } from "node:async_hooks";
import type { ActionHandler, Context, Middleware, ServiceBroker } from "moleculer";

/** What every log line written while serving a request names: its id and who asked. */
export interface RequestOrigin {
  requestId: string;
  userId?: string;
  orgId?: string;
}

/**
 * Carries the current call's request id (and user and org) through async work so that every log
 * line written while handling it can name it: the correlation id across services. Moleculer
 * forwards `requestID` to remote nodes with a context; this middleware also carries it where no
 * context travels (issue 19): events and calls made from background work (`broker.emit` in an
 * import job), and the durable job channels (message headers across the JetStream hop).
 */
export const requestContext = new AsyncLocalStorage<RequestOrigin>();

/** Meta key for the user and org of a request, on calls and events that carry no `auth`. */
const ORIGIN_META = "origin";
/** Channel message headers (NATS header names are case-insensitive; kept lower-case). */
const HEADERS = { requestId: "x-request-id", userId: "x-user-id", orgId: "x-org-id" } as const;

type Meta = {
  auth?: { userId?: string | null; orgId?: string | null };
  [ORIGIN_META]?: { userId?: string; orgId?: string };
};

function originOf(ctx: Context): RequestOrigin {
  const meta = (ctx.meta ?? {}) as Meta;
  const userId = meta.auth?.userId ?? meta[ORIGIN_META]?.userId ?? undefined;
  const orgId = meta.auth?.orgId ?? meta[ORIGIN_META]?.orgId ?? undefined;
  return { requestId: ctx.requestID ?? ctx.id, ...(userId ? { userId } : {}), ...(orgId ? { orgId } : {}) };
}

type Opts =
  | { parentCtx?: unknown; requestID?: string; meta?: Record<string, unknown>; headers?: Record<string, string> }
  | undefined;

/** Options of a call or event made outside any context: the current request's id and origin. */
function withOrigin(opts: Opts): Opts {
  const origin = requestContext.getStore();
  if (!origin || opts?.parentCtx || opts?.requestID != null) return opts;
  const { userId, orgId } = origin;
  return {
    ...opts,
    requestID: origin.requestId,
    ...(userId || orgId ? { meta: { ...opts?.meta, [ORIGIN_META]: { userId, orgId } } } : {}),
  };
}

export const RequestContextMiddleware: Middleware = {
  name: "RequestContext",
  localAction(next: ActionHandler) {
    return (ctx: Context) => requestContext.run(originOf(ctx), () => next(ctx));
  },
  localEvent(next: (ctx: Context) => unknown) {
    return (ctx: Context) => requestContext.run(originOf(ctx), () => next(ctx));
  },
  call(next: (action: string, params: unknown, opts: Opts) => unknown) {
    return (action: string, params: unknown, opts: Opts) => next(action, params, withOrigin(opts));
  },
  emit(next: (event: string, payload: unknown, opts: Opts) => unknown) {
    return (event: string, payload: unknown, opts: Opts) => next(event, payload, withOrigin(opts));
  },
  broadcast(next: (event: string, payload: unknown, opts: Opts) => unknown) {
    return (event: string, payload: unknown, opts: Opts) => next(event, payload, withOrigin(opts));
  },
  // @moleculer/channels: the publisher's request travels in the message headers...
  sendToChannel(next: (channel: string, payload: unknown, opts: Opts) => unknown) {
    return (channel: string, payload: unknown, opts: Opts) => {
      const origin = requestContext.getStore();
      if (!origin) return next(channel, payload, opts);
      const headers: Record<string, string> = { ...opts?.headers, [HEADERS.requestId]: origin.requestId };
      if (origin.userId) headers[HEADERS.userId] = origin.userId;
      if (origin.orgId) headers[HEADERS.orgId] = origin.orgId;
      return next(channel, payload, { ...opts, headers });
    };
  },
  // ...and the consumer's handler runs inside it, on whichever node takes the message.
  localChannel(this: ServiceBroker, next: (msg: unknown, raw: unknown) => Promise<unknown>) {
    return (msg: unknown, raw: unknown) => {
      // Moleculer binds handler hooks to their broker: the channel adapter is that broker's.
      const adapter = (
        this as unknown as { channelAdapter?: { parseMessageHeaders(raw: unknown): Record<string, string> | null } }
      ).channelAdapter;
      let headers: Record<string, string> | null = null;
      try {
        headers = adapter?.parseMessageHeaders(raw) ?? null;
      } catch {
        headers = null;
      }
      const requestId = headers?.[HEADERS.requestId];
      if (!requestId) return next(msg, raw);
      const origin: RequestOrigin = { requestId };
      if (headers?.[HEADERS.userId]) origin.userId = headers[HEADERS.userId];
      if (headers?.[HEADERS.orgId]) origin.orgId = headers[HEADERS.orgId];
      return requestContext.run(origin, () => next(msg, raw));
    };
  },
} as unknown as Middleware;
