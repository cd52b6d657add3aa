import { setTimeout as delay } from "node:timers/promises";
import Channels from "@moleculer/channels";
import type { Service } from "moleculer";

/**
 * The durable channels the embedder uses (@moleculer/channels: NATS JetStream in a cluster, the
 * event-based Fake adapter embedded) and the typing the package does not provide for them.
 * The channel prefix is the namespace, so each namespace gets its own JetStream streams
 * (`<namespace>_embed_chunk`, `<namespace>_embed_jobs`).
 */
export const CHUNK_CHANNEL = "embed.chunk";
export const JOB_CHANNEL = "embed.jobs";

export interface ChannelDefinition {
  group?: string;
  /** Messages handled at once per node (JetStream max_ack_pending, the Fake adapter's bulkhead). */
  maxInFlight?: number;
  /** Redeliveries before a message is dropped (the database still knows the work). */
  maxRetries?: number;
  /** Bound to the service by the middleware; `never` lets a handler declare its own service type. */
  handler(this: never, payload: unknown, raw: unknown): Promise<void>;
}

declare module "moleculer" {
  interface ServiceSchema {
    channels?: Record<string, ChannelDefinition>;
  }
  interface ServiceBroker {
    /** Added by the channels middleware (only on nodes that run a service with channels). */
    sendToChannel?(channelName: string, payload: unknown, opts?: Record<string, unknown>): Promise<void>;
  }
}

/**
 * The embedded (Fake) adapter, with a stop that cannot fail. The stock Fake adapter throws "still
 * has N messages being processed" when a channel service stops while handlers run; that failed the
 * embedder's stop, so its models were never released and the process exited while onnxruntime was
 * still running a batch on a worker thread (a native Napi::Error crash on SIGTERM). Here the
 * channel stops taking messages, the ones being handled may finish within `waitMs` (the embedder
 * then releases its models after the batches already queued), and what is left is only logged:
 * the database records the work still to do.
 */
export function drainingFakeAdapter(waitMs = 0): InstanceType<typeof Channels.Adapters.Fake> {
  class DrainingFake extends Channels.Adapters.Fake {
    override async unsubscribe(chan: { id: string; name: string; unsubscribing?: boolean }): Promise<void> {
      if (chan.unsubscribing) return;
      chan.unsubscribing = true;
      // The service the adapter created to receive this channel's events.
      const service: Service | undefined = this.services.get(chan.id);
      if (!service) return;
      await this.broker.destroyService(service);
      const deadline = Date.now() + waitMs;
      while (this.getNumberOfChannelActiveMessages(chan.id) > 0 && Date.now() < deadline) await delay(25);
      const left = this.getNumberOfChannelActiveMessages(chan.id);
      // Still tracked while they end (their handlers untrack them); the stop goes on.
      if (left > 0) this.logger.info(`channel ${chan.name}: stopping with ${left} message(s) still being handled`);
      else this.stopChannelActiveMessages(chan.id);
    }
  }
  // No options: the Fake adapter's defaults.
  return new DrainingFake(undefined);
}
