import { readdir, stat, statfs } from "node:fs/promises";
import path from "node:path";
import { monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import type { BaseMetric, Service, ServiceBroker } from "moleculer";
import {
  CHATLENS_METRICS,
  dropIndexSeries,
  recordDeadLetter,
  registerChatlensMetrics,
  setChannelBacklog,
  setIndexDisk,
  setServiceUp,
} from "../core/metrics.ts";
import type { ChannelHandler, ChannelInfo, ChatlensMiddleware } from "../types/middleware.ts";

/**
 * Metrics that no action records on its own, gathered on a timer on every node (issue 19: every
 * series a dashboard or alert rule uses exists in a real scrape, from start):
 *
 * - event-loop delay under Moleculer's names (`process_eventloop_lag_*`, milliseconds), measured
 *   with node:perf_hooks. Moleculer only fills them when the optional native `event-loop-stats`
 *   module is installed, which it is not (it needs a compiler at install time);
 * - circuit-breaker, timeout and retry series at 0 from start: Moleculer creates them only when a
 *   breaker first opens (a call first times out, is first retried), so `increase()` missed the
 *   first one and "no breaker open" was an empty result;
 * - on nodes with job channels: each channel's backlog (JetStream consumer pending + unacked, or
 *   sent minus started for the in-process adapter) and dead letters (a handler that failed its
 *   last delivery: JetStream drops or dead-letters it, the in-process adapter has no retries);
 * - on index nodes: the size on disk of every dataset's index and the free space of the
 *   filesystem that holds them.
 */
export interface RuntimeMetricsOptions {
  /** How often the timer samples (ms). */
  intervalMs?: number;
  /** Root of the index files (config.indexDir); sampled on nodes that run the index service. */
  indexDir?: string;
}

const LAG = {
  min: "process.eventloop.lag.min",
  avg: "process.eventloop.lag.avg",
  max: "process.eventloop.lag.max",
  count: "process.eventloop.lag.count",
} as const;

/** Series Moleculer creates only on the first event: given a node-level 0 from start. */
const ZERO_FROM_START = [
  "moleculer.circuit-breaker.opened.active",
  "moleculer.circuit-breaker.opened.total",
  "moleculer.circuit-breaker.half-opened.active",
  "moleculer.request.timeout.total",
  "moleculer.request.retry.attempts.total",
];

/** Channel name as defined in the service (the adapter prefixes it with the namespace). */
function channelLabel(broker: ServiceBroker, name: string): string {
  const prefix = broker.namespace ? `${broker.namespace}.` : "";
  return prefix && name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

/** The index service's answer to "is this dataset's index mine to report" (services/index). */
interface DatasetOwner {
  ownsDataset(datasetId: string): boolean;
}

function isDatasetOwner(service: Service): service is Service & DatasetOwner {
  return "ownsDataset" in service && typeof service.ownsDataset === "function";
}

/** Bytes of every file below `dir` (an index version's files; git's own store excluded). */
async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
    if (entry.name === ".git") continue;
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += await treeBytes(p);
    else if (entry.isFile()) total += (await stat(p).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

/** Index directories are <root>/<dataset>/<model>, each segment %-escaped (services/index/index-key.ts). */
async function indexSizes(root: string): Promise<{ dataset: string; model: string; bytes: number }[]> {
  const out: { dataset: string; model: string; bytes: number }[] = [];
  for (const ds of await readdir(root, { withFileTypes: true }).catch(() => [])) {
    if (!ds.isDirectory() || ds.name.startsWith(".")) continue;
    for (const model of await readdir(path.join(root, ds.name), { withFileTypes: true }).catch(() => [])) {
      if (!model.isDirectory() || model.name.startsWith(".")) continue;
      const decode = (s: string) => {
        try {
          return decodeURIComponent(s);
        } catch {
          return s;
        }
      };
      out.push({
        dataset: decode(ds.name),
        model: decode(model.name),
        bytes: await treeBytes(path.join(root, ds.name, model.name)),
      });
    }
  }
  return out;
}

export function RuntimeMetricsMiddleware(options: RuntimeMetricsOptions = {}) {
  const intervalMs = options.intervalMs ?? 10_000;
  let broker: ServiceBroker;
  let histogram: IntervalHistogram | undefined;
  let timer: NodeJS.Timeout | undefined;
  let sampling: Promise<void> | undefined;
  const channels = new Map<string, ChannelInfo>();
  const knownIndexes = new Set<string>();

  const enabled = () => broker.metrics?.isEnabled() === true;

  function sampleLoop(): void {
    if (!histogram) return;
    const ms = (ns: number) => (Number.isFinite(ns) ? ns / 1e6 : 0);
    const n = histogram.count;
    broker.metrics.set(LAG.min, n ? ms(histogram.min) : 0);
    broker.metrics.set(LAG.avg, n ? ms(histogram.mean) : 0);
    broker.metrics.set(LAG.max, n ? ms(histogram.max) : 0);
    broker.metrics.set(LAG.count, n);
    histogram.reset();
  }

  /** A metric by name; null when nothing registered it (Moleculer's typings leave that case out). */
  function metric(name: string): BaseMetric | null {
    return broker.metrics.getMetric(name);
  }

  function counterValue(name: string, labels: Record<string, string>): number {
    const value: unknown = metric(name)?.get(labels)?.value;
    return typeof value === "number" ? value : 0;
  }

  /** Handlers started for a channel, whatever their group. */

  async function sampleChannels(): Promise<void> {
    if (channels.size === 0) return;
    const adapter = broker.channelAdapter;
    if (adapter && "manager" in adapter) {
      // JetStream: what waits in each stream's consumers, read through the adapter's own connection.
      const jsm = adapter.manager;
      if (!jsm) return;
      for (const info of await jsm.streams.list().next()) {
        const subject = info.config.subjects?.[0];
        if (!subject) continue;
        const channel = channelLabel(broker, subject);
        if (!channels.has(channel)) continue;
        const consumers = await jsm.consumers.list(info.config.name).next();
        setChannelBacklog(broker, {
          channel,
          messages: consumers.reduce((n, c) => n + c.num_pending + c.num_ack_pending, 0),
        });
      }
      return;
    }
    // In-process adapter: published here minus handlers started here (one node holds both ends).
    for (const [channel, def] of channels) {
      const sent = counterValue("moleculer.channels.messages.sent", { channel });
      const started = startedAnyGroup(def.name);
      setChannelBacklog(broker, { channel, messages: Math.max(0, sent - started) });
    }
  }

  function startedAnyGroup(name: string): number {
    let n = 0;
    for (const v of metric("moleculer.channels.messages.total")?.values.values() ?? []) {
      const value: unknown = v.value;
      if (v.labels.channel === name && typeof value === "number") n += value;
    }
    return n;
  }

  async function sampleIndexes(): Promise<void> {
    // Undefined at run time on a node without the index service (the typings say Service).
    const index: Service | undefined = broker.getLocalService("index");
    if (!options.indexDir || !index) return;
    const owner = isDatasetOwner(index) ? index : undefined;
    const seen = new Set<string>();
    for (const { dataset, model, bytes } of await indexSizes(options.indexDir)) {
      // Files of indexes another node owns now (a shared volume, or this node's copy from before a move) are not this node's to report.
      if (owner && !owner.ownsDataset(dataset)) {
        dropIndexSeries(broker, { datasetId: dataset, modelId: model });
        knownIndexes.delete(`${dataset}\n${model}`);
        continue;
      }
      seen.add(`${dataset}\n${model}`);
      broker.metrics.set(CHATLENS_METRICS.indexBytes.name, bytes, { dataset, model });
    }
    // An index removed from disk reads 0 (Moleculer keeps a label set once seen).
    for (const key of knownIndexes) {
      if (seen.has(key)) continue;
      const [dataset, model] = key.split("\n") as [string, string];
      broker.metrics.set(CHATLENS_METRICS.indexBytes.name, 0, { dataset, model });
    }
    for (const key of seen) knownIndexes.add(key);
    const fs = await statfs(options.indexDir).catch(() => null);
    if (fs) setIndexDisk(broker, { freeBytes: fs.bavail * fs.bsize, sizeBytes: fs.blocks * fs.bsize });
  }

  function sample(): Promise<void> {
    sampleLoop();
    // One sampling at a time: a slow disk walk or JetStream answer must not pile up.
    sampling ??= (async () => {
      await sampleChannels().catch((err: Error) =>
        broker.logger.debug(`metrics: channel backlog not sampled: ${err.message}`),
      );
      await sampleIndexes().catch((err: Error) =>
        broker.logger.debug(`metrics: index sizes not sampled: ${err.message}`),
      );
    })().finally(() => (sampling = undefined));
    return sampling;
  }

  return {
    name: "RuntimeMetrics",

    created(b: ServiceBroker) {
      broker = b;
      if (!enabled()) return;
      registerChatlensMetrics(broker);
      const m = broker.metrics;
      for (const name of Object.values(LAG))
        if (!m.hasMetric(name))
          m.register({
            name,
            type: "gauge",
            unit: name === LAG.count ? undefined : "msec",
            description: "Event-loop delay over the last sampling interval (node:perf_hooks)",
          });
      for (const name of Object.values(LAG)) m.set(name, 0);
    },

    // Every channel a service on this node declares, with its retry limit, for the series below.
    serviceCreated(svc: { schema: { channels?: Record<string, { maxRetries?: number }> } }) {
      for (const [name, def] of Object.entries(svc.schema.channels ?? {})) {
        channels.set(name, {
          name: broker.namespace ? `${broker.namespace}.${name}` : name,
          maxRetries: def.maxRetries,
        });
        if (!enabled()) continue;
        setChannelBacklog(broker, { channel: name, messages: 0 });
        broker.metrics.increment(CHATLENS_METRICS.channelDeadLetters.name, { channel: name }, 0);
      }
    },

    localChannel(next: ChannelHandler, chan: ChannelInfo): ChannelHandler {
      return async (msg, raw) => {
        try {
          return await next(msg, raw);
        } catch (err) {
          // JetStream tells how often the message was delivered before; the in-process adapter
          // never redelivers, so its failed message is gone at once.
          const redelivered = (raw as { info?: { redeliveryCount?: number } } | undefined)?.info?.redeliveryCount;
          const last = redelivered === undefined || !chan.maxRetries || redelivered >= chan.maxRetries;
          if (last) recordDeadLetter(broker, { channel: channelLabel(broker, chan.name) });
          throw err;
        }
      };
    },

    started() {
      if (!enabled()) return;
      // After Moleculer's own middlewares registered their metrics: breakers, timeouts and
      // retries read 0 until the first one, so increase() counts that first one too.
      for (const name of ZERO_FROM_START) {
        const m = metric(name);
        if (m && !m.get({})) broker.metrics.set(name, 0, {});
      }
      for (const svc of broker.services) if (!svc.name.startsWith("$")) setServiceUp(broker, { service: svc.name });
      histogram = monitorEventLoopDelay({ resolution: 10 });
      histogram.enable();
      timer = setInterval(() => void sample(), intervalMs).unref();
      // Not awaited: a slow disk walk or JetStream answer must not hold up the node's start.
      void sample();
    },

    async stopped() {
      if (timer) clearInterval(timer);
      histogram?.disable();
      await sampling;
    },
  } satisfies ChatlensMiddleware;
}
