import { setTimeout as delay } from "node:timers/promises";
import Channels from "@moleculer/channels";
import {
  AckPolicy,
  DeliverPolicy,
  nanos,
  type Consumer,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from "nats";

/**
 * Durable channels on NATS JetStream with a limit per node, not per cluster.
 *
 * The stock adapter of @moleculer/channels uses a push consumer whose `max_ack_pending` (the
 * channel's maxInFlight) is the limit of the whole consumer group: two embed jobs in flight for
 * the whole cluster, however many embedder nodes there are, and a dead node holding both stopped
 * all work until the ack wait (30 s) ran out. Here each node pulls: `maxInFlight` loops per
 * channel, each asking JetStream for one message when it is free, so a node holds at most that
 * many and every node added adds its share. A message being handled is kept alive with
 * `working()` every third of the ack wait, so the ack wait can be short: a dead node's messages
 * go to another node within `ackWaitMs`. A failed message comes back after a growing delay
 * (a database blip of a minute loses nothing), and is dropped only after `maxRetries`
 * deliveries (the database still records the work; the embedder's sweep finds it).
 */
export interface PullAdapterOptions {
  url: string;
  /** How long JetStream waits for a message's ack (or a `working()` beat) before redelivering it. */
  ackWaitMs: number;
  /** Delay before a failed message is delivered again (by deliveries so far, from 1). */
  retryDelayMs?: (deliveries: number) => number;
  /** How long one pull waits for a message (also the longest a stopping loop waits). */
  pullExpiresMs?: number;
}

/** 1 s, 2 s, 4 s … up to a minute: 10 deliveries span about four minutes. */
export const defaultRetryDelay = (deliveries: number): number =>
  Math.min(60_000, 1000 * 2 ** Math.max(0, deliveries - 1));

/** What a channel definition looks like to an adapter (the middleware has filled it in). */
interface AdapterChannel {
  id: string;
  name: string;
  group: string;
  maxInFlight?: number;
  maxRetries?: number;
  unsubscribing?: boolean;
  nats?: { streamConfig?: Record<string, unknown> };
  handler(payload: unknown, raw: unknown): Promise<void>;
}

/** The stock adapter's members this one uses (untyped JavaScript). */
interface NatsAdapterInternals {
  opts: { maxInFlight?: number; maxRetries?: number };
  connection: { isClosed(): boolean } | null;
  manager: JetStreamManager | null;
  client: JetStreamClient | null;
  serializer: { deserialize(data: Buffer): unknown };
  logger: {
    info(...a: unknown[]): void;
    warn(...a: unknown[]): void;
    error(...a: unknown[]): void;
    debug(...a: unknown[]): void;
  };
  createStream(name: string, subjects: string[], opts: Record<string, unknown>): Promise<unknown>;
  initChannelActiveMessages(id: string): void;
  addChannelActiveMessages(id: string, ids: number[]): void;
  removeChannelActiveMessages(id: string, ids: number[]): void;
  stopChannelActiveMessages(id: string): void;
  metricsIncrement(metric: string, chan: AdapterChannel): void;
}

interface PullState {
  stopping: boolean;
  loops: Promise<void>[];
}

const ERRORS_METRIC = "moleculer.channels.messages.errors.total";
const RETRIES_METRIC = "moleculer.channels.messages.retries.total";

/** The name JetStream accepts for a stream or durable consumer (no dots). */
export const jetStreamName = (name: string): string => name.split(".").join("_");

/**
 * Makes the group's durable consumer a pull consumer with this ack wait. A push consumer of the
 * same name (made by the stock adapter before) is replaced: its unacknowledged messages stay in
 * the work-queue stream and the new consumer delivers them.
 */
export async function ensurePullConsumer(
  manager: JetStreamManager,
  stream: string,
  durable: string,
  ackWaitMs: number,
): Promise<void> {
  const config = {
    durable_name: durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(ackWaitMs),
    // Each node limits itself; the group as a whole has no cap.
    max_ack_pending: -1,
  };
  const existing = await manager.consumers.info(stream, durable).catch(() => null);
  if (existing?.config.deliver_subject) await manager.consumers.delete(stream, durable);
  else if (existing) {
    if (existing.config.ack_wait !== config.ack_wait || existing.config.max_ack_pending !== -1)
      await manager.consumers.update(stream, durable, { ack_wait: config.ack_wait, max_ack_pending: -1 });
    return;
  }
  await manager.consumers.add(stream, config);
}

export function pullJetStreamAdapter(options: PullAdapterOptions): InstanceType<typeof Channels.Adapters.NATS> {
  const retryDelay = options.retryDelayMs ?? defaultRetryDelay;
  const expires = options.pullExpiresMs ?? 3000;
  const Base = Channels.Adapters.NATS as unknown as new (opts: unknown) => NatsAdapterInternals;

  class PullJetStream extends Base {
    private readonly pulls = new Map<string, PullState>();

    async subscribe(chan: AdapterChannel): Promise<void> {
      chan.maxInFlight ??= this.opts.maxInFlight ?? 1;
      chan.maxRetries ??= this.opts.maxRetries ?? 3;
      this.initChannelActiveMessages(chan.id);
      const state: PullState = { stopping: false, loops: [] };
      this.pulls.set(chan.id, state);
      let consumer = await this.consumerOf(chan);
      // Loops share the consumer; one that fails (a NATS restart that lost the stream) makes a new one.
      const current = async (stale?: Consumer): Promise<Consumer> => {
        if (stale === consumer) consumer = await this.consumerOf(chan);
        return consumer;
      };
      for (let i = 0; i < chan.maxInFlight; i++) state.loops.push(this.pullLoop(chan, state, current));
    }

    async unsubscribe(chan: AdapterChannel): Promise<void> {
      if (chan.unsubscribing) return;
      chan.unsubscribing = true;
      const state = this.pulls.get(chan.id);
      if (!state) return;
      state.stopping = true;
      // Each loop ends once its message is handled and its pull (at most `expires`) has come back.
      await Promise.all(state.loops);
      this.pulls.delete(chan.id);
      this.stopChannelActiveMessages(chan.id);
    }

    private async consumerOf(chan: AdapterChannel): Promise<Consumer> {
      const stream = jetStreamName(chan.name);
      const durable = jetStreamName(chan.group);
      await this.createStream(stream, [chan.name], chan.nats?.streamConfig ?? {});
      await ensurePullConsumer(this.manager!, stream, durable, options.ackWaitMs);
      return this.client!.consumers.get(stream, durable);
    }

    private async pullLoop(
      chan: AdapterChannel,
      state: PullState,
      current: (stale?: Consumer) => Promise<Consumer>,
    ): Promise<void> {
      let consumer = await current();
      let failures = 0;
      while (!state.stopping) {
        let msg: JsMsg | null;
        try {
          msg = await consumer.next({ expires });
          failures = 0;
        } catch (err) {
          // Stopping, or the connection closed for good (the adapter disconnected): nothing to pull from.
          if (state.stopping || this.connection?.isClosed()) break;
          // NATS restarting, or the consumer gone with a server that lost its data: wait, then make sure it exists.
          if (failures++ === 0)
            this.logger.warn(`channel ${chan.name}: pull failed (${(err as Error).message}); retrying`);
          await delay(Math.min(5000, 250 * failures));
          consumer = await current(consumer).catch(() => consumer);
          continue;
        }
        if (!msg) continue;
        // Pulled as the node began to stop: straight back to the stream for another node.
        if (state.stopping) {
          try {
            msg.nak();
          } catch {
            // Redelivered after the ack wait instead.
          }
          break;
        }
        await this.handle(chan, msg);
      }
    }

    private async handle(chan: AdapterChannel, msg: JsMsg): Promise<void> {
      this.addChannelActiveMessages(chan.id, [msg.seq]);
      // Acks and beats on a connection that closed meanwhile fail; JetStream redelivers the message then.
      const settle = (what: string, fn: () => void) => {
        try {
          fn();
        } catch (err) {
          this.logger.debug(`channel ${chan.name}: ${what} of message ${msg.seq} not sent: ${(err as Error).message}`);
        }
      };
      const beat = setInterval(
        () => settle("working", () => msg.working()),
        Math.max(250, Math.floor(options.ackWaitMs / 3)),
      );
      let handled = false;
      try {
        await chan.handler(this.serializer.deserialize(Buffer.from(msg.data)), msg);
        handled = true;
      } catch (err) {
        this.metricsIncrement(ERRORS_METRIC, chan);
        const deliveries = msg.info.redeliveryCount;
        if (deliveries >= (chan.maxRetries ?? 0)) {
          this.logger.error(
            `channel ${chan.name}: message ${msg.seq} failed ${deliveries} time(s), dropped: ${(err as Error).message}`,
          );
          settle("ack", () => msg.ack());
        } else {
          this.metricsIncrement(RETRIES_METRIC, chan);
          this.logger.warn(
            `channel ${chan.name}: message ${msg.seq} failed (${(err as Error).message}); again in ${retryDelay(deliveries)} ms`,
          );
          settle("nak", () => msg.nak(retryDelay(deliveries)));
        }
      } finally {
        clearInterval(beat);
        if (handled) settle("ack", () => msg.ack());
        this.removeChannelActiveMessages(chan.id, [msg.seq]);
      }
    }
  }

  return new PullJetStream({
    nats: {
      url: options.url,
      // nats.js gives up after 10 reconnects 2 s apart; the job channels must outlive a longer NATS restart.
      connectionOptions: { maxReconnectAttempts: -1, reconnectTimeWait: 1000 },
      streamConfig: { retention: "workqueue" },
    },
  }) as unknown as InstanceType<typeof Channels.Adapters.NATS>;
}
