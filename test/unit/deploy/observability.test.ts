import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { METRIC } from "moleculer";
import { parse } from "yaml";
import { envSchema } from "../../../config/schema.ts";
import { CHATLENS_METRICS } from "../../../core/metrics.ts";
import { REPO_ROOT } from "../../helpers/paths.ts";

/**
 * The Grafana dashboards and the Prometheus configuration only name metrics that exist: chatlens'
 * own (core/metrics.ts), Moleculer's built-in ones (as its Prometheus reporter spells them),
 * and the NATS exporter's jetstream_* series.
 */
type Obj = Record<string, any>;
const DASHBOARDS_DIR = path.join(REPO_ROOT, "deploy/grafana/dashboards");
const dashboards = readdirSync(DASHBOARDS_DIR)
  .filter((f) => f.endsWith(".json"))
  .map((f) => ({ file: f, json: JSON.parse(readFileSync(path.join(DASHBOARDS_DIR, f), "utf8")) as Obj }));

const panels = (d: Obj): Obj[] => d.panels.flatMap((p: Obj) => [p, ...(p.panels ?? [])]);
const exprs = (d: Obj): string[] => panels(d).flatMap((p) => (p.targets ?? []).map((t: Obj) => t.expr as string));
const allExprs = dashboards.flatMap((d) => exprs(d.json));

/** Metric names in a PromQL expression (identifiers followed by `{`, `[`, `)` or a space that are not functions or labels). */
function metricNames(expr: string): string[] {
  const withoutLabels = expr.replace(/\{[^}]*\}/g, "{}").replace(/"[^"]*"/g, '""');
  const names = [...withoutLabels.matchAll(/\b(chatlens_\w+|moleculer_\w+|process_\w+|os_\w+|jetstream_\w+)\b/g)].map(
    (m) => m[1]!,
  );
  return [...new Set(names)];
}

const chatlens = new Map<string, string>(Object.values(CHATLENS_METRICS).map((d) => [d.name, d.type]));
const moleculerNames = new Set(
  Object.entries(METRIC as unknown as Record<string, string>)
    .filter(([k]) => !k.startsWith("TYPE_") && !k.startsWith("UNIT_"))
    .map(([, v]) => v.replace(/[.-]/g, "_")),
);
const HISTOGRAM_SUFFIX = /_(bucket|sum|count)$/;

describe("Grafana dashboards and Prometheus configuration", () => {
  it("has the service, pipeline and search dashboards, with unique uids", () => {
    const uids = dashboards.map((d) => d.json.uid);
    expect(uids).to.include.members(["chatlens-services", "chatlens-pipeline", "chatlens-search"]);
    expect(new Set(uids).size).to.equal(uids.length);
    for (const { file, json } of dashboards) {
      expect(`${json.uid}.json`).to.equal(file);
      expect(json.title).to.match(/^chatlens \/ /);
    }
  });

  it("queries the provisioned Prometheus datasource from every panel", () => {
    const provisioning = parse(
      readFileSync(path.join(REPO_ROOT, "deploy/grafana/provisioning/datasources/prometheus.yml"), "utf8"),
    );
    const uid = provisioning.datasources[0].uid;
    for (const { file, json } of dashboards)
      for (const p of panels(json).filter((p) => p.type !== "row")) {
        expect(p.datasource?.uid, `${file}: ${p.title}`).to.equal(uid);
        expect(p.targets?.length, `${file}: ${p.title}`).to.be.greaterThan(0);
        for (const t of p.targets) expect(t.expr, `${file}: ${p.title}`).to.be.a("string").and.not.be.empty;
      }
  });

  it("names only metrics that exist, with histogram suffixes only on histograms", () => {
    for (const expr of allExprs)
      for (const name of metricNames(expr)) {
        if (name.startsWith("jetstream_")) continue;
        if (name.startsWith("chatlens_")) {
          const bare = name.replace(HISTOGRAM_SUFFIX, "");
          const type = chatlens.get(name) ?? chatlens.get(bare);
          expect(type, `${name} in: ${expr}`).to.exist;
          if (!chatlens.has(name)) expect(type, `${name} in: ${expr}`).to.equal("histogram");
        } else {
          const known = moleculerNames.has(name) || moleculerNames.has(name.replace(HISTOGRAM_SUFFIX, ""));
          expect(known, `${name} (Moleculer) in: ${expr}`).to.be.true;
        }
      }
  });

  it("shows every chatlens metric somewhere", () => {
    const used = new Set(
      allExprs.flatMap(metricNames).map((n) => (chatlens.has(n) ? n : n.replace(HISTOGRAM_SUFFIX, ""))),
    );
    expect([...chatlens.keys()].filter((n) => !used.has(n))).to.deep.equal([]);
  });

  it("covers request rate, errors, latency, circuit breakers, backlog, embeddings, imports, indexes and search", () => {
    const all = new Set(allExprs.flatMap(metricNames));
    expect([...all]).to.include.members([
      "moleculer_request_total",
      "moleculer_request_error_total",
      "moleculer_request_time_bucket",
      "moleculer_circuit_breaker_opened_active",
      "chatlens_channel_backlog",
      "chatlens_embeddings_total",
      "chatlens_embed_backlog_chunks",
      "chatlens_messages_imported_total",
      "chatlens_index_vectors",
      "chatlens_search_seconds_bucket",
    ]);
  });

  it("scrapes every node shape on the metrics port (compose)", () => {
    const prom = parse(readFileSync(path.join(REPO_ROOT, "deploy/prometheus/prometheus.yml"), "utf8"));
    const port = envSchema.parse({}).METRICS_PORT;
    const byJob = new Map<string, Obj>(prom.scrape_configs.map((j: Obj) => [j.job_name, j]));
    for (const shape of ["gateway", "worker", "embedder"]) {
      const job = byJob.get(`chatlens-${shape}`);
      expect(job, shape).to.exist;
      expect(job!.dns_sd_configs[0].names).to.include(shape);
      expect(job!.dns_sd_configs[0].port).to.equal(port);
    }
  });

  it("lists every chatlens metric and every helper in docs/operations.md", async () => {
    const doc = readFileSync(path.join(REPO_ROOT, "docs/operations.md"), "utf8");
    expect([...chatlens.keys()].filter((name) => !doc.includes(`\`${name}\``))).to.deep.equal([]);
    const helpers = Object.keys(await import("../../../core/metrics.ts")).filter((k) => /^(record|set)[A-Z]/.test(k));
    expect(helpers.length).to.be.greaterThan(5);
    expect(helpers.filter((h) => !doc.includes(`${h}(`))).to.deep.equal([]);
  });

  it("keeps annotated pods in the Kubernetes scrape job", () => {
    const prom = parse(readFileSync(path.join(REPO_ROOT, "deploy/prometheus/kubernetes-scrape.yml"), "utf8"));
    const job = prom.scrape_configs[0];
    expect(job.kubernetes_sd_configs[0].role).to.equal("pod");
    const keep = job.relabel_configs.find((r: Obj) => r.action === "keep");
    expect(keep.source_labels).to.deep.equal(["__meta_kubernetes_pod_annotation_prometheus_io_scrape"]);
  });
});
