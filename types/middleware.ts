import type { ActionHandler, ActionSchema, Context, Service, ServiceBroker, ServiceEvent } from "moleculer";

/**
 * A broker middleware as chatlens writes them: its name and the hooks it implements, with the
 * signatures Moleculer 0.14 (and @moleculer/channels) call them with. Moleculer binds every hook
 * to the broker (`this`). Declare a middleware with `satisfies ChatlensMiddleware` (its hooks keep
 * their own types) and hand it to the broker through `brokerMiddlewares` (moleculer.config.ts).
 *
 * Moleculer 0.14's own `Middleware` type cannot describe one: it is an index signature of
 * functions only, so neither `name` (a string, shown in the broker's middleware list) nor the
 * channels hooks fit it.
 */
export interface ChatlensMiddleware {
  name: string;

  /** The broker was constructed (services not created yet). */
  created?(broker: ServiceBroker): void;
  /** The broker started (every local service started). */
  started?(broker: ServiceBroker): void | Promise<void>;
  /** The broker stopped (every local service stopped). */
  stopped?(broker: ServiceBroker): void | Promise<void>;
  serviceCreated?(service: Service): void | Promise<void>;
  serviceStopping?(service: Service): void | Promise<void>;

  /** Wraps the handler of an action this node runs. */
  localAction?(next: ActionHandler, action: ActionSchema): ActionHandler;
  /** Wraps the handler of an event this node listens to. */
  localEvent?(next: EventHandler, event: ServiceEvent): EventHandler;
  /** Wraps `broker.call`. */
  call?(next: CallHook): CallHook;
  /** Wraps `broker.emit`. */
  emit?(next: EmitHook): EmitHook;
  /** Wraps `broker.broadcast`. */
  broadcast?(next: EmitHook): EmitHook;

  /** @moleculer/channels: wraps `broker.sendToChannel`. */
  sendToChannel?(next: EmitHook): EmitHook;
  /** @moleculer/channels: wraps the handler of a channel a service on this node consumes. */
  localChannel?(next: ChannelHandler, channel: ChannelInfo): ChannelHandler;
}

export type EventHandler = (ctx: Context) => unknown;

/** Options of a call, event or channel message, as the hooks see them (the parts chatlens reads). */
export type HookOptions =
  | { parentCtx?: unknown; requestID?: string; meta?: Record<string, unknown>; headers?: Record<string, string> }
  | undefined;

export type CallHook = (action: string, params: unknown, opts: HookOptions) => unknown;
/** `broker.emit`, `broker.broadcast` and `broker.sendToChannel`: a name, a payload and options. */
export type EmitHook = (name: string, payload: unknown, opts: HookOptions) => unknown;

/** A channel handler: the decoded payload and the adapter's raw message (a JetStream message, or a Context for Fake). */
export type ChannelHandler = (payload: unknown, raw: unknown) => Promise<unknown>;

/** The parts of @moleculer/channels' channel definition chatlens reads (`name` carries the namespace prefix). */
export interface ChannelInfo {
  name: string;
  maxRetries?: number;
}
