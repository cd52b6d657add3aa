import { AsyncLocalStorage } from "node:async_hooks";
import type { ActionHandler, Context, ServiceBroker } from "moleculer";
import type {
  CallHook,
  ChannelHandler,
  ChatlensMiddleware,
  EmitHook,
  EventHandler,
  HookOptions,
} from "../types/middleware.ts";

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

/** Options of a call or event made outside any context: the current request's id and origin. */
function withOrigin(opts: HookOptions): HookOptions {
  const origin = requestContext.getStore();
  if (!origin || opts?.parentCtx || opts?.requestID != null) return opts;
  const { userId, orgId } = origin;
  return {
    ...opts,
    requestID: origin.requestId,
    ...(userId || orgId ? { meta: { ...opts?.meta, [ORIGIN_META]: { userId, orgId } } } : {}),
  };
}

export const RequestContextMiddleware = {
  name: "RequestContext",
  localAction(next: ActionHandler) {
    return (ctx: Context) => requestContext.run(originOf(ctx), () => next(ctx));
  },
  localEvent(next: EventHandler) {
    return (ctx: Context) => requestContext.run(originOf(ctx), () => next(ctx));
  },
  call(next: CallHook): CallHook {
    return (action, params, opts) => next(action, params, withOrigin(opts));
  },
  emit(next: EmitHook): EmitHook {
    return (event, payload, opts) => next(event, payload, withOrigin(opts));
  },
  broadcast(next: EmitHook): EmitHook {
    return (event, payload, opts) => next(event, payload, withOrigin(opts));
  },
  // @moleculer/channels: the publisher's request travels in the message headers...
  sendToChannel(next: EmitHook): EmitHook {
    return (channel, payload, opts) => {
      const origin = requestContext.getStore();
      if (!origin) return next(channel, payload, opts);
      const headers: Record<string, string> = { ...opts?.headers, [HEADERS.requestId]: origin.requestId };
      if (origin.userId) headers[HEADERS.userId] = origin.userId;
      if (origin.orgId) headers[HEADERS.orgId] = origin.orgId;
      return next(channel, payload, { ...opts, headers });
    };
  },
  // ...and the consumer's handler runs inside it, on whichever node takes the message.
  localChannel(this: ServiceBroker, next: ChannelHandler): ChannelHandler {
    return (msg, raw) => {
      // Moleculer binds handler hooks to their broker: the channel adapter is that broker's.
      let headers: Record<string, unknown> | null | undefined = null;
      try {
        headers = this.channelAdapter?.parseMessageHeaders(raw);
      } catch {
        headers = null;
      }
      const requestId = header(headers, HEADERS.requestId);
      if (!requestId) return next(msg, raw);
      const origin: RequestOrigin = { requestId };
      const userId = header(headers, HEADERS.userId);
      const orgId = header(headers, HEADERS.orgId);
      if (userId) origin.userId = userId;
      if (orgId) origin.orgId = orgId;
      return requestContext.run(origin, () => next(msg, raw));
    };
  },
} satisfies ChatlensMiddleware;

/** A header of a channel message; the adapter hands back whatever the message carried, so only a string counts. */
function header(headers: Record<string, unknown> | null | undefined, name: string): string | undefined {
  const value = headers?.[name];
  return typeof value === "string" ? value : undefined;
}
