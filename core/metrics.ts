import type { BaseMetric, ServiceBroker } from "moleculer";

/**
 * chatlens' own (business) metrics: the one place that declares their names, types, labels and
 * help. Services record values through the typed helpers below, never through
 * `broker.metrics.*` with a literal name, so the Grafana dashboards
 * (deploy/grafana/dashboards/*.json) and docs/operations.md can rely on exactly these names.
 *
 * Names are written the way Prometheus shows them (Moleculer's Prometheus reporter only turns
 * `.` and `-` into `_`), so a name found on a dashboard greps straight to this file. Durations
 * are in seconds (Prometheus convention; Moleculer's own `moleculer_request_time` is in ms).
 *
 * Every helper is safe to call on any broker: it registers the metrics on first use and does
 * nothing when metrics are disabled (METRICS_ENABLED=false), so recording a value never breaks
 * the code path that records it.
 */

/** Histogram buckets (seconds) for embedding one batch: tens of ms on a GPU, seconds on a CPU. */
const EMBED_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Histogram buckets (seconds) for one search. */
const SEARCH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
/** Histogram buckets (seconds) for one whole import: from a small chat to millions of messages. */
const IMPORT_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600];

type MetricType = "counter" | "gauge" | "histogram";

interface MetricDefinition {
  name: string;
  type: MetricType;
  labelNames: readonly string[];
  description: string;
  buckets?: readonly number[];
}

export const CHATLENS_METRICS = {
  importsTotal: {
    name: "chatlens_imports_total",
    type: "counter",
    labelNames: ["format", "status"],
    description: "Finished imports by source format and outcome (completed, failed, cancelled)",
  },
  importSeconds: {
    name: "chatlens_import_seconds",
    type: "histogram",
    labelNames: ["format"],
    description: "Wall time of one import, upload received to import.completed (seconds)",
    buckets: IMPORT_BUCKETS,
  },
  importsActive: {
    name: "chatlens_imports_active",
    type: "gauge",
    labelNames: [],
    description: "Imports running on this node",
  },
  messagesImported: {
    name: "chatlens_messages_imported_total",
    type: "counter",
    labelNames: ["format"],
    description: "Messages written to the database by imports (counted per written batch: live progress)",
  },
  importBytes: {
    name: "chatlens_import_bytes_total",
    type: "counter",
    labelNames: ["format"],
    description: "Bytes of chat exports parsed by imports",
  },
  embeddingsTotal: {
    name: "chatlens_embeddings_total",
    type: "counter",
    labelNames: ["model", "device"],
    description: "Chunks embedded, by model and device (cpu or cuda)",
  },
  embedBatchSeconds: {
    name: "chatlens_embed_batch_seconds",
    type: "histogram",
    labelNames: ["model", "device"],
    description: "Time to embed one batch of chunks (seconds)",
    buckets: EMBED_BUCKETS,
  },
  embedBacklog: {
    name: "chatlens_embed_backlog_chunks",
    type: "gauge",
    labelNames: ["model"],
    description: "Chunks waiting for a vector (take max across nodes: every reporter sees the same backlog)",
  },
  searchesTotal: {
    name: "chatlens_searches_total",
    type: "counter",
    labelNames: ["mode"],
    description: "Searches served, by mode (semantic, keyword, hybrid, federated, vector)",
  },
  searchSeconds: {
    name: "chatlens_search_seconds",
    type: "histogram",
    labelNames: ["mode"],
    description: "Search latency inside the index service (seconds)",
    buckets: SEARCH_BUCKETS,
  },
  indexVectors: {
    name: "chatlens_index_vectors",
    type: "gauge",
    labelNames: ["dataset", "model"],
    description: "Vectors in the live version of a dataset's index for a model",
  },
  indexBytes: {
    name: "chatlens_index_bytes",
    type: "gauge",
    labelNames: ["dataset", "model"],
    description: "Size on disk of the live version of a dataset's index (bytes)",
  },
  serviceUp: {
    name: "chatlens_service_up",
    type: "gauge",
    labelNames: ["service"],
    description:
      "1 for each chatlens service this node runs (alert rules notice when no node runs the embedder or the index)",
  },
  indexDiskFree: {
    name: "chatlens_index_disk_free_bytes",
    type: "gauge",
    labelNames: [],
    description:
      "Free bytes (for unprivileged users) on the filesystem that holds the index files and their repository",
  },
  indexDiskSize: {
    name: "chatlens_index_disk_size_bytes",
    type: "gauge",
    labelNames: [],
    description: "Size of the filesystem that holds the index files and their repository (bytes)",
  },
  channelBacklog: {
    name: "chatlens_channel_backlog",
    type: "gauge",
    labelNames: ["channel"],
    description: "Messages pending on a durable job channel (JetStream consumer num_pending)",
  },
  channelDeadLetters: {
    name: "chatlens_channel_dead_letters_total",
    type: "counter",
    labelNames: ["channel"],
    description: "Job messages moved to the dead-letter queue after their last retry",
  },
} as const satisfies Record<string, MetricDefinition>;

export type ChatlensMetricName = (typeof CHATLENS_METRICS)[keyof typeof CHATLENS_METRICS]["name"];

export type ImportStatus = "completed" | "failed" | "cancelled";
export type SearchMode = "semantic" | "keyword" | "hybrid" | "federated" | "vector";
export type EmbedDevice = "cpu" | "cuda" | "webgpu";

const registered = new WeakSet<ServiceBroker>();

/**
 * Declares every chatlens metric on the broker's registry (idempotent). platform.ts calls it
 * once per node; the helpers call it too, so a test broker without it still works.
 */
export function registerChatlensMetrics(broker: ServiceBroker): void {
  if (registered.has(broker)) return;
  const metrics = broker.metrics;
  if (!metrics?.isEnabled()) return;
  for (const def of Object.values(CHATLENS_METRICS) as MetricDefinition[]) {
    if (metrics.hasMetric(def.name)) continue;
    metrics.register({
      name: def.name,
      type: def.type,
      labelNames: [...def.labelNames],
      description: def.description,
      ...(def.type === "histogram"
        ? // Quantiles make the reporter print _sum and _count next to the buckets.
          { buckets: [...(def.buckets ?? [])], quantiles: [0.5, 0.9, 0.99] }
        : {}),
    } as Parameters<typeof metrics.register>[0]);
  }
  registered.add(broker);
}

/** The registry when metrics are on (registering first), otherwise null. */
function registry(broker: ServiceBroker) {
  const metrics = broker.metrics;
  if (!metrics?.isEnabled()) return null;
  registerChatlensMetrics(broker);
  return metrics;
}

const nonNegative = (n: number) => (Number.isFinite(n) && n > 0 ? n : 0);

/** An import finished (whatever the outcome). Call once per import, from the node that ran it. */
export function recordImport(
  broker: ServiceBroker,
  event: { format: string; status: ImportStatus; durationSeconds?: number },
): void {
  const m = registry(broker);
  if (!m) return;
  m.increment(CHATLENS_METRICS.importsTotal.name, { format: event.format, status: event.status });
  if (event.durationSeconds !== undefined)
    m.observe(CHATLENS_METRICS.importSeconds.name, nonNegative(event.durationSeconds), { format: event.format });
}

/**
 * A batch of an import was written: `messages` newly stored, `bytes` of the export consumed since
 * the last call. Call per batch (not only at the end) so the dashboard shows live progress.
 */
export function recordImportProgress(
  broker: ServiceBroker,
  progress: { format: string; messages: number; bytes?: number },
): void {
  const m = registry(broker);
  if (!m) return;
  m.increment(CHATLENS_METRICS.messagesImported.name, { format: progress.format }, nonNegative(progress.messages));
  if (progress.bytes !== undefined)
    m.increment(CHATLENS_METRICS.importBytes.name, { format: progress.format }, nonNegative(progress.bytes));
}

/** Imports currently running on this node (set when one starts or ends). */
export function setImportsActive(broker: ServiceBroker, count: number): void {
  registry(broker)?.set(CHATLENS_METRICS.importsActive.name, nonNegative(count), {});
}

/** One batch went through the model: `chunks` embedded in `seconds`. */
export function recordEmbedBatch(
  broker: ServiceBroker,
  batch: { model: string; device: EmbedDevice; chunks: number; seconds: number },
): void {
  const m = registry(broker);
  if (!m) return;
  const labels = { model: batch.model, device: batch.device };
  m.increment(CHATLENS_METRICS.embeddingsTotal.name, labels, nonNegative(batch.chunks));
  m.observe(CHATLENS_METRICS.embedBatchSeconds.name, nonNegative(batch.seconds), labels);
}

/** Chunks still waiting for a vector of `model` (from the database: the source of truth). */
export function setEmbedBacklog(broker: ServiceBroker, backlog: { model: string; chunks: number }): void {
  registry(broker)?.set(CHATLENS_METRICS.embedBacklog.name, nonNegative(backlog.chunks), { model: backlog.model });
}

/** A search was answered in `seconds` (measured in the index service, not at the gateway). */
export function recordSearch(broker: ServiceBroker, search: { mode: SearchMode; seconds: number }): void {
  const m = registry(broker);
  if (!m) return;
  m.increment(CHATLENS_METRICS.searchesTotal.name, { mode: search.mode });
  m.observe(CHATLENS_METRICS.searchSeconds.name, nonNegative(search.seconds), { mode: search.mode });
}

/**
 * Size of the live version of a dataset's index, set by the node that owns it after every commit,
 * load or rollback. A deleted index is set to 0 vectors (Moleculer keeps a label set once seen).
 */
export function setIndexSize(
  broker: ServiceBroker,
  index: { dataset: string; model: string; vectors: number; bytes?: number },
): void {
  const m = registry(broker);
  if (!m) return;
  const labels = { dataset: index.dataset, model: index.model };
  m.set(CHATLENS_METRICS.indexVectors.name, nonNegative(index.vectors), labels);
  if (index.bytes !== undefined) m.set(CHATLENS_METRICS.indexBytes.name, nonNegative(index.bytes), labels);
}

/**
 * Removes a dataset's index series (vectors and bytes) from this node's /metrics, or every
 * index series without a key: a node exports an index's series only while it owns the index,
 * so an index that moved is not counted twice (Moleculer has no call to drop one label set).
 */
export function dropIndexSeries(broker: ServiceBroker, key?: { datasetId: string; modelId: string }): void {
  const m = broker.metrics;
  if (!m?.isEnabled()) return;
  for (const name of [CHATLENS_METRICS.indexVectors.name, CHATLENS_METRICS.indexBytes.name]) {
    // Null when not registered (Moleculer's typings leave that case out).
    const metric: BaseMetric | null = m.getMetric(name);
    if (!metric) continue;
    if (!key) metric.clear();
    else if (metric.values.delete(metric.hashingLabels({ dataset: key.datasetId, model: key.modelId })))
      metric.changed(undefined);
  }
}

/** Messages pending on a durable job channel (e.g. JetStream consumer info `num_pending`). */
export function setChannelBacklog(broker: ServiceBroker, backlog: { channel: string; messages: number }): void {
  registry(broker)?.set(CHATLENS_METRICS.channelBacklog.name, nonNegative(backlog.messages), {
    channel: backlog.channel,
  });
}

/** A job message gave up after its last retry and went to the dead-letter queue. */
export function recordDeadLetter(broker: ServiceBroker, event: { channel: string }): void {
  registry(broker)?.increment(CHATLENS_METRICS.channelDeadLetters.name, { channel: event.channel });
}

/** This node runs `service` (set at start for every local chatlens service). */
export function setServiceUp(broker: ServiceBroker, svc: { service: string }): void {
  registry(broker)?.set(CHATLENS_METRICS.serviceUp.name, 1, { service: svc.service });
}

/** Free and total bytes of the filesystem that holds the index files (sampled on index nodes). */
export function setIndexDisk(broker: ServiceBroker, disk: { freeBytes: number; sizeBytes: number }): void {
  const m = registry(broker);
  if (!m) return;
  m.set(CHATLENS_METRICS.indexDiskFree.name, nonNegative(disk.freeBytes), {});
  m.set(CHATLENS_METRICS.indexDiskSize.name, nonNegative(disk.sizeBytes), {});
}
