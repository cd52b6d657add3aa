import os from "node:os";
import Channels from "@moleculer/channels";
import { drainingFakeAdapter } from "./services/embedder/channels.ts";
import type { BrokerOptions, Middleware, ServiceBroker } from "moleculer";
import { Errors } from "moleculer";
import type { Config } from "./config/index.ts";
import { ClientFaultsMiddleware, isDataException } from "./middlewares/client-faults.ts";
import { loggerOptions } from "./config/logger.ts";
import { RequestContextMiddleware, requestContext } from "./middlewares/request-context.ts";
import { registerGpuStrategy } from "./services/embedder/node-routing.ts";
import type { ChatlensMiddleware } from "./types/middleware.ts";

// Every node resolves the strategy named by embedder.embedBatch as soon as it hears of the action.
registerGpuStrategy();

/**
 * Only server-side faults count against a node: a wrong password, a NUL byte or a date the
 * database cannot hold must not open a circuit for every org (issue 15 M1).
 */
const isServerFault = (err: unknown) =>
  !(err instanceof Errors.MoleculerClientError) &&
  !isDataException(err) &&
  ((err as { code?: number })?.code ?? 500) >= 500;

/**
 * Broker options built from the typed configuration. Embedded (TRANSPORTER=none) runs every
 * service in this one broker; with a NATS URL the same services form a cluster.
 */
export function createBrokerOptions(
  config: Config,
  extra: { middlewares?: ChatlensMiddleware[]; metadata?: Record<string, unknown>; channels?: boolean } = {},
): BrokerOptions {
  const transporter = config.TRANSPORTER === "none" ? null : { type: "NATS", options: { url: config.TRANSPORTER } };
  const cacher =
    config.CACHER === "none"
      ? null
      : config.CACHER === "memory"
        ? { type: "Memory", options: { ttl: 300, clone: true } }
        : { type: "Redis", options: { ttl: 300, prefix: `${config.NAMESPACE}-cache`, redis: config.CACHER } };

  return {
    namespace: config.NAMESPACE,
    nodeID: config.NODE_ID ?? `${os.hostname()}-${process.pid}`,
    metadata: { services: config.SERVICES, ...extra.metadata },
    transporter,
    cacher,
    serializer: "JSON",
    logger: loggerOptions(config, () => requestContext.getStore()),
    // bin/chatlens.ts handles SIGTERM/SIGINT itself (stop, then exit). Moleculer's own handlers
    // would run a second broker.stop() and exit the process as soon as either finished, while the
    // other was still ending embedder worker threads (a native Napi::Error crash at exit).
    skipProcessEventRegistration: true,
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    retryPolicy: {
      enabled: true,
      retries: config.RETRY_MAX,
      delay: 100,
      maxDelay: 2000,
      factor: 2,
      // Only errors that say they are transient (timeouts, lost nodes) are retried.
      check: (err: Error) => !!(err as Errors.MoleculerError).retryable,
    },
    circuitBreaker: {
      enabled: true,
      threshold: 0.5,
      minRequestCount: 20,
      windowTime: 60,
      halfOpenTime: 10_000,
      check: isServerFault,
    },
    bulkhead: {
      enabled: true,
      concurrency: config.BULKHEAD_CONCURRENCY,
      maxQueueSize: config.BULKHEAD_MAX_QUEUE,
    },
    registry: { strategy: "RoundRobin", preferLocal: true },
    heartbeatInterval: 5,
    heartbeatTimeout: 15,
    metrics: {
      enabled: config.METRICS_ENABLED,
      reporter: [
        {
          type: "Prometheus",
          options: { host: config.METRICS_HOST, port: config.METRICS_PORT, path: "/metrics" },
        },
      ],
    },
    tracing: { enabled: false },
    validator: true,
    // Moleculer puts its own middlewares outside the user's, so the validator and the cacher
    // would answer before an access check. The list is spelled out instead: access checks
    // (extra.middlewares) wrap the cacher and the validator, and run inside error handling and
    // metrics; the request context wraps everything so every log line knows its request.
    internalMiddlewares: false,
    middlewares: brokerMiddlewares([
      // Innermost, so it sees validated params and the handler's own errors before the circuit breaker does.
      ClientFaultsMiddleware,
      "ActionHook",
      "Validator",
      "Bulkhead",
      "Cacher",
      ...(extra.middlewares ?? []),
      "ContextTracker",
      "CircuitBreaker",
      "Timeout",
      "Retry",
      "Fallback",
      "ErrorHandler",
      "Tracing",
      "Metrics",
      "Debounce",
      "Throttle",
      RequestContextMiddleware,
      ...(extra.channels ? channelsMiddlewares(config) : []),
    ]),
  } as BrokerOptions;
}

/** Moleculer's built-in middlewares, by the names its options take (moleculer/src/middlewares/index.js). */
type BuiltInMiddleware =
  | "ActionHook"
  | "Validator"
  | "Bulkhead"
  | "Cacher"
  | "ContextTracker"
  | "CircuitBreaker"
  | "Timeout"
  | "Retry"
  | "Fallback"
  | "ErrorHandler"
  | "Tracing"
  | "Metrics"
  | "Debounce"
  | "Throttle";

/**
 * A broker's middleware list, as its options take it. The one place a chatlens middleware meets
 * Moleculer's `Middleware` type, which in 0.14 is an index signature of functions only: no
 * middleware with a `name` (a string, listed by the broker) satisfies it, nor do the channels hooks,
 * so each goes through as it is. Moleculer itself reads any object's function-valued keys as hooks.
 */
export function brokerMiddlewares(list: readonly (ChatlensMiddleware | BuiltInMiddleware)[]): (Middleware | string)[] {
  // eslint-disable-next-line no-restricted-syntax -- Moleculer 0.14's Middleware type cannot hold `name` (see above).
  return list.map((mw) => (typeof mw === "string" ? mw : (mw as unknown as Middleware)));
}

/**
 * Durable job channels (@moleculer/channels). In a cluster they are NATS JetStream streams on the
 * transporter's server (work-queue retention: a handled message is gone; one durable consumer per
 * group). Embedded, the Fake adapter delivers them as in-process events: nothing survives a
 * restart there, which is fine because the database, not the queue, records what is pending.
 * The second middleware announces `$channels.ready` once the adapter is connected and subscribed
 * (`$broker.started` comes earlier, when publishing would still fail).
 */
export function channelsMiddlewares(config: Config): ChatlensMiddleware[] {
  const adapter =
    config.TRANSPORTER === "none"
      ? // A service stop that never fails on messages still being handled (the stock Fake adapter throws).
        drainingFakeAdapter()
      : {
          type: "NATS",
          options: {
            nats: {
              url: config.TRANSPORTER,
              // nats.js gives up after 10 reconnects 2 s apart; a NATS restart longer than that would
              // leave the job channels dead for good (Moleculer's own transporter retries forever).
              connectionOptions: { maxReconnectAttempts: -1, reconnectTimeWait: 1000 },
              streamConfig: { retention: "workqueue" },
              consumerOptions: { config: { deliver_policy: "all" } },
            },
          },
        };
  const ready = {
    name: "ChannelsReady",
    started(broker: ServiceBroker) {
      broker.broadcastLocal("$channels.ready");
    },
  } satisfies ChatlensMiddleware;
  // Options as the package's code takes them (types/channels.d.ts).
  return [Channels.Middleware({ adapter }), ready];
}
