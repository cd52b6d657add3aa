import { once } from "node:events";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { expect } from "chai";
import { ServiceBroker } from "moleculer";
import {
  CHATLENS_METRICS,
  recordDeadLetter,
  recordEmbedBatch,
  recordImport,
  recordImportProgress,
  recordSearch,
  registerChatlensMetrics,
  setChannelBacklog,
  setEmbedBacklog,
  setImportsActive,
  setIndexDisk,
  setIndexSize,
  setServiceUp,
} from "../../../core/metrics.ts";

/** The broker's own Prometheus endpoint, as Prometheus scrapes it. */
async function scrape(broker: ServiceBroker): Promise<string> {
  const reporter = (broker.metrics.reporter as unknown as { server: Server }[])[0]!;
  if (!reporter.server.listening) await once(reporter.server, "listening");
  const { port } = reporter.server.address() as AddressInfo;
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  expect(res.status).to.equal(200);
  return res.text();
}

/** The value of one sample line, labels matched as a subset; undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe("chatlens business metrics (core/metrics.ts)", () => {
  let broker: ServiceBroker;

  before(async () => {
    broker = new ServiceBroker({
      logger: false,
      nodeID: "metrics-test",
      metrics: { enabled: true, reporter: [{ type: "Prometheus", options: { port: 0, path: "/metrics" } }] },
    });
    registerChatlensMetrics(broker);
    registerChatlensMetrics(broker); // idempotent
    await broker.start();
  });

  after(() => broker.stop());

  it("declares every metric with its type and help text", async () => {
    recordImport(broker, { format: "whatsapp", status: "completed", durationSeconds: 12 });
    recordImportProgress(broker, { format: "whatsapp", messages: 500, bytes: 40_000 });
    setImportsActive(broker, 1);
    recordEmbedBatch(broker, { model: "use-lite", device: "cpu", chunks: 64, seconds: 0.4 });
    setEmbedBacklog(broker, { model: "use-lite", chunks: 1200 });
    recordSearch(broker, { mode: "hybrid", seconds: 0.03 });
    setIndexSize(broker, { dataset: "ds1", model: "use-lite", vectors: 5000, bytes: 10_240_000 });
    setChannelBacklog(broker, { channel: "embed.jobs", messages: 7 });
    recordDeadLetter(broker, { channel: "embed.jobs" });
    setServiceUp(broker, { service: "index" });
    setIndexDisk(broker, { freeBytes: 5e9, sizeBytes: 1e11 });
    const text = await scrape(broker);
    for (const def of Object.values(CHATLENS_METRICS)) {
      expect(text, def.name).to.contain(`# TYPE ${def.name} ${def.type}\n`);
      expect(text, def.name).to.contain(`# HELP ${def.name} ${def.description}\n`);
    }
  });

  it("shows each helper's values with their labels", async () => {
    recordImport(broker, { format: "telegram", status: "failed" });
    recordImportProgress(broker, { format: "telegram", messages: 10 });
    recordImportProgress(broker, { format: "telegram", messages: 15, bytes: 999 });
    const text = await scrape(broker);
    const node = { nodeID: "metrics-test" };
    expect(sample(text, "chatlens_imports_total", { ...node, format: "whatsapp", status: "completed" })).to.equal(1);
    expect(sample(text, "chatlens_imports_total", { format: "telegram", status: "failed" })).to.equal(1);
    expect(sample(text, "chatlens_import_seconds_count", { format: "whatsapp" })).to.equal(1);
    expect(sample(text, "chatlens_import_seconds_bucket", { format: "whatsapp", le: "15" })).to.equal(1);
    expect(sample(text, "chatlens_import_seconds_bucket", { format: "whatsapp", le: "5" })).to.equal(0);
    expect(sample(text, "chatlens_messages_imported_total", { format: "whatsapp" })).to.equal(500);
    expect(sample(text, "chatlens_messages_imported_total", { format: "telegram" })).to.equal(25);
    expect(sample(text, "chatlens_import_bytes_total", { format: "whatsapp" })).to.equal(40_000);
    expect(sample(text, "chatlens_import_bytes_total", { format: "telegram" })).to.equal(999);
    expect(sample(text, "chatlens_imports_active")).to.equal(1);
    expect(sample(text, "chatlens_embeddings_total", { model: "use-lite", device: "cpu" })).to.equal(64);
    expect(sample(text, "chatlens_embed_batch_seconds_count", { model: "use-lite", device: "cpu" })).to.equal(1);
    expect(sample(text, "chatlens_embed_batch_seconds_sum", { model: "use-lite" })).to.be.closeTo(0.4, 1e-9);
    expect(sample(text, "chatlens_embed_batch_seconds_bucket", { model: "use-lite", le: "0.5" })).to.equal(1);
    expect(sample(text, "chatlens_embed_batch_seconds_bucket", { model: "use-lite", le: "+Inf" })).to.equal(1);
    expect(sample(text, "chatlens_embed_backlog_chunks", { model: "use-lite" })).to.equal(1200);
    expect(sample(text, "chatlens_searches_total", { mode: "hybrid" })).to.equal(1);
    expect(sample(text, "chatlens_search_seconds_bucket", { mode: "hybrid", le: "0.05" })).to.equal(1);
    expect(sample(text, "chatlens_search_seconds_bucket", { mode: "hybrid", le: "0.025" })).to.equal(0);
    expect(sample(text, "chatlens_index_vectors", { dataset: "ds1", model: "use-lite" })).to.equal(5000);
    expect(sample(text, "chatlens_index_bytes", { dataset: "ds1", model: "use-lite" })).to.equal(10_240_000);
    expect(sample(text, "chatlens_channel_backlog", { channel: "embed.jobs" })).to.equal(7);
    expect(sample(text, "chatlens_channel_dead_letters_total", { channel: "embed.jobs" })).to.equal(1);
  });

  it("clamps nonsense (negative, NaN) to zero instead of corrupting counters", async () => {
    recordImportProgress(broker, { format: "slack", messages: -5, bytes: Number.NaN });
    setChannelBacklog(broker, { channel: "x", messages: -1 });
    const text = await scrape(broker);
    expect(sample(text, "chatlens_messages_imported_total", { format: "slack" })).to.equal(0);
    expect(sample(text, "chatlens_import_bytes_total", { format: "slack" })).to.equal(0);
    expect(sample(text, "chatlens_channel_backlog", { channel: "x" })).to.equal(0);
  });

  it("works on a broker nobody registered the metrics on, and is a no-op with metrics off", async () => {
    const fresh = new ServiceBroker({
      logger: false,
      metrics: { enabled: true, reporter: [{ type: "Prometheus", options: { port: 0, path: "/metrics" } }] },
    });
    const off = new ServiceBroker({ logger: false, metrics: { enabled: false } });
    try {
      recordSearch(fresh, { mode: "keyword", seconds: 0.002 });
      expect(sample(await scrape(fresh), "chatlens_searches_total", { mode: "keyword" })).to.equal(1);
      expect(() => {
        registerChatlensMetrics(off);
        recordSearch(off, { mode: "keyword", seconds: 0.002 });
        recordImport(off, { format: "csv", status: "completed", durationSeconds: 1 });
        setIndexSize(off, { dataset: "d", model: "m", vectors: 1 });
      }).not.to.throw();
    } finally {
      await fresh.stop();
      await off.stop();
    }
  });

  it("names every metric chatlens_* in Prometheus form, unique", () => {
    const names = Object.values(CHATLENS_METRICS).map((d) => d.name);
    expect(new Set(names).size).to.equal(names.length);
    for (const name of names) expect(name).to.match(/^chatlens_[a-z_]+$/);
    for (const def of Object.values(CHATLENS_METRICS))
      if (def.type === "counter") expect(def.name, def.name).to.match(/_total$/);
  });
});
