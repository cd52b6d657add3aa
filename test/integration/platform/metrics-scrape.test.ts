import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { Errors } from "moleculer";
import { parse } from "yaml";
import { http } from "../../helpers/http.ts";
import { FIXTURES_DIR, REPO_ROOT } from "../../helpers/paths.ts";
import { startFakeCluster, type TestPlatform } from "../../helpers/platform.ts";
import { AUTH_TEST_ENV, signUp } from "../auth/fixtures.ts";
import { EMBED_TEST_ENV } from "../embedder/helpers.ts";
import { createDataset, importFile } from "../ingest/helpers.ts";

/**
 * Every metric a Grafana dashboard or a Prometheus alert rule in deploy/ names, scraped from a
 * running cluster (four in-process nodes over the Fake transporter, each with its own /metrics),
 * after the work an operator would watch: an import, its embedding and indexing, searches and a
 * failing call. Each selector (name plus label matchers) must match a sample of some node.
 */
type Obj = Record<string, any>;

const DASHBOARDS = path.join(REPO_ROOT, "deploy/grafana/dashboards");
const RULES = path.join(REPO_ROOT, "deploy/prometheus/rules");

function deployExpressions(): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const file of readdirSync(DASHBOARDS).filter((f) => f.endsWith(".json"))) {
    const json = JSON.parse(readFileSync(path.join(DASHBOARDS, file), "utf8")) as Obj;
    for (const panel of json.panels.flatMap((p: Obj) => [p, ...(p.panels ?? [])]))
      for (const t of panel.targets ?? []) out.push({ where: `${file}: ${panel.title}`, expr: t.expr });
  }
  for (const file of readdirSync(RULES).filter((f) => /\.ya?ml$/.test(f) && !f.includes(".test."))) {
    const doc = parse(readFileSync(path.join(RULES, file), "utf8")) as Obj;
    for (const group of doc.groups)
      for (const rule of group.rules) out.push({ where: `${file}: ${rule.alert ?? rule.record}`, expr: rule.expr });
  }
  return out;
}

interface Selector {
  name: string;
  matchers: { label: string; op: string; value: string }[];
}

const FUNCTIONS_AND_KEYWORDS = new Set([
  "sum",
  "max",
  "min",
  "avg",
  "count",
  "rate",
  "increase",
  "irate",
  "by",
  "without",
  "on",
  "ignoring",
  "group_left",
  "histogram_quantile",
  "clamp_min",
  "clamp_max",
  "topk",
  "bottomk",
  "vector",
  "or",
  "and",
  "unless",
  "absent",
  "absent_over_time",
  "max_over_time",
  "min_over_time",
  "avg_over_time",
  "time",
  "le",
  "bool",
  "offset",
  "predict_linear",
  "changes",
  "resets",
  "delta",
  "deriv",
  "label_replace",
  "scalar",
  "sort",
  "sort_desc",
  "abs",
  "ceil",
  "floor",
  "round",
]);

/** Metric selectors of a PromQL expression: identifiers not used as functions, keywords or label names. */
function selectors(expr: string): Selector[] {
  const out: Selector[] = [];
  const re = /([a-zA-Z_:][\w:]*)\s*(\{[^}]*\})?/g;
  const noStrings = expr.replace(/"(?:[^"\\]|\\.)*"/g, (s) => s.replace(/[a-zA-Z_]/g, "x"));
  for (let m; (m = re.exec(noStrings));) {
    const name = m[1]!;
    const after = noStrings.slice(m.index + m[0].length).trimStart();
    const before = noStrings.slice(0, m.index).trimEnd();
    if (
      FUNCTIONS_AND_KEYWORDS.has(name) ||
      after.startsWith("(") ||
      /\b(by|without|on|ignoring)\s*\([^)]*$/.test(before)
    )
      continue;
    if (/[\d.]$/.test(noStrings.slice(0, m.index))) continue; // units of numbers and durations: 5m, 1e-9
    const raw = m[2] ? expr.slice(m.index + m[1]!.length, m.index + m[0].length).trim() : "";
    const matchers = [...raw.matchAll(/(\w+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)].map((x) => ({
      label: x[1]!,
      op: x[2]!,
      value: x[3]!.replace(/\\(.)/g, "$1"),
    }));
    out.push({ name, matchers });
  }
  return out;
}

interface Sample {
  name: string;
  labels: Record<string, string>;
}

function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? \S+$/.exec(line);
    if (!m) continue;
    out.push({
      name: m[1]!,
      labels: Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!])),
    });
  }
  return out;
}

/** Grafana template variables ($node) stand for "any value" here. */
const templated = (v: string) => v.replace(/\$\w+/g, ".*");

function matches(s: Sample, sel: Selector): boolean {
  if (s.name !== sel.name) return false;
  return sel.matchers.every(({ label, op, value }) => {
    const got = s.labels[label] ?? "";
    const v = templated(value);
    if (op === "=") return v === ".*" ? true : got === v;
    if (op === "!=") return got !== v;
    const re = new RegExp(`^(?:${v})$`);
    return op === "=~" ? re.test(got) : !re.test(got);
  });
}

/** Prometheus' own series (not chatlens'): `up` is made by Prometheus for every target it scrapes. */
const PROMETHEUS_SERIES = new Set(["up"]);

describe("every metric in deploy/ (dashboards and alert rules) in a real scrape of a running cluster", function () {
  this.timeout(600_000);
  let cluster: Awaited<ReturnType<typeof startFakeCluster>>;
  let gateway: TestPlatform;

  const metricsUrl = (p: TestPlatform) => {
    const reporter = (p.broker.metrics as unknown as { reporter: { server?: { address(): { port: number } } }[] })
      .reporter;
    return `http://127.0.0.1:${reporter.find((r) => r.server)!.server!.address().port}/metrics`;
  };
  const scrapeAll = async () =>
    (await Promise.all(cluster.nodes.map(async (n) => samples(await (await fetch(metricsUrl(n))).text())))).flat();

  before(async function () {
    cluster = await startFakeCluster(
      [
        { nodeID: "gw", services: ["api", "auth"] },
        { nodeID: "worker", services: ["ingest", "cluster", "analytics"] },
        { nodeID: "emb", services: ["embedder"] },
        { nodeID: "idx", services: ["index"] },
      ],
      { env: { ...AUTH_TEST_ENV, ...EMBED_TEST_ENV, METRICS_ENABLED: "true", METRICS_PORT: "0" } },
    );
    gateway = cluster.node("gw");
    await gateway.broker.waitForServices(["auth", "ingest", "embedder", "index"], 90_000);
  });
  after(() => cluster?.stop());

  it("finds the series of every selector after an import, its embedding and searches", async () => {
    const owner = await signUp(gateway);
    const datasetId = await createDataset(gateway, owner);
    const done = await importFile(
      gateway,
      owner,
      datasetId,
      path.join(FIXTURES_DIR, "whatsapp/pustur__samples_short-chat.txt"),
    );
    expect(done.status).to.equal("completed");
    for (;;) {
      const progress = await http(gateway.baseUrl, "GET", `/api/datasets/${datasetId}/embedding`, {
        token: owner.accessToken,
      });
      if (progress.body.chunks > 0 && progress.body.pending === 0) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    for (const mode of ["keyword", "semantic", "hybrid"] as const) {
      const search = await http(gateway.baseUrl, "POST", "/api/search", {
        token: owner.accessToken,
        body: { datasetId, query: "dinner", mode },
      });
      expect(search.status, JSON.stringify(search.body)).to.equal(200);
    }
    // Failing calls: a client error (no such dataset) and a server error (a probe action that
    // throws one, as a broken dependency would), for the error series the alert rules select.
    expect(
      (
        await http(gateway.baseUrl, "GET", "/api/datasets/00000000-0000-4000-8000-000000000000", {
          token: owner.accessToken,
        })
      ).status,
    ).to.equal(404);
    cluster.node("worker").broker.createService({
      name: "failprobe",
      actions: { fail: () => Promise.reject(new Errors.MoleculerServerError("dependency down", 503, "PROBE_DOWN")) },
    });
    await gateway.broker.waitForServices("failprobe", 90_000);
    expect(
      await gateway.broker.call("failprobe.fail", {}, { meta: { system: true } }).catch((e: Error) => e),
    ).to.be.instanceOf(Errors.MoleculerServerError);

    const expressions = deployExpressions();
    expect(expressions.length).to.be.greaterThan(40);
    const missingNow = async () => {
      const scraped = await scrapeAll();
      const missing = new Set<string>();
      for (const { where, expr } of expressions)
        for (const sel of selectors(expr)) {
          if (PROMETHEUS_SERIES.has(sel.name)) continue;
          if (!scraped.some((s) => matches(s, sel)))
            missing.add(`${where}: ${sel.name}{${sel.matchers.map((m) => `${m.label}${m.op}"${m.value}"`).join(",")}}`);
        }
      return [...missing];
    };
    // Index sizes and channel backlogs are sampled on a 10 s timer: poll (a hang guard, not a target).
    let missing = await missingNow();
    for (let tries = 0; missing.length > 0 && tries < 240; tries++) {
      await new Promise((r) => setTimeout(r, 500));
      missing = await missingNow();
    }
    expect(missing).to.deep.equal([]);
  });
});
