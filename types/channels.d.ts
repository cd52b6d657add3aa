/**
 * @moleculer/channels 0.1 declares its middleware's options from JSDoc, stricter than its code:
 * every option required, and `adapter` a name or a config carrying every adapter's options at
 * once. Its code (src/index.js, src/adapters/index.js `resolve`) defaults every option but
 * `adapter`, and takes an adapter instance as well. This overload declares what the code takes.
 */
import type BaseAdapter from "@moleculer/channels/types/src/adapters/base.js";
import type { Service, ServiceBroker } from "moleculer";

declare module "@moleculer/channels" {
  export function Middleware(mwOpts: ChannelsMiddlewareOptions): {
    name: string;
    created(broker: ServiceBroker): void;
    serviceCreated(svc: Service): Promise<void>;
    serviceStopping(svc: Service): Promise<void>;
    started(): Promise<void>;
    stopped(): Promise<void>;
  };
}

interface ChannelsMiddlewareOptions {
  /** An adapter instance, a name or URL ("NATS", "nats://…"), or `{ type, options }` for that adapter. */
  adapter: string | BaseAdapter | { type: string; options?: Record<string, unknown> };
  /** Service schema key of the channel definitions (default "channels"). */
  schemaProperty?: string;
  /** Broker method that publishes (default "sendToChannel"). */
  sendMethodName?: string;
  /** Broker property that holds the adapter (default "channelAdapter"). */
  adapterPropertyName?: string;
  /** Service method that runs a channel handler directly, for tests (default "emitLocalChannelHandler"). */
  channelHandlerTrigger?: string;
  /** Whether handlers get a Moleculer context by default (default false). */
  context?: boolean;
}
