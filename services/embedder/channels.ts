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
