import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { Scalar, parseDocument, visit, type Document } from "yaml";
import { envSchema, PRODUCTION_SECRETS } from "../../../config/schema.ts";
import { REPO_ROOT } from "../../helpers/paths.ts";

/**
 * docker-compose.yml (development cluster + monitoring profile) and docker-compose.prod.yml (its
 * production overrides), merged the way `docker compose -f … -f …` merges them.
 */
type Obj = Record<string, any>;
const RESET = "\u0000reset";
const OVERRIDE = "\u0000override";

/** Parses a compose file; `!reset` and `!override` (Compose 2.24+) become markers for merge(). */
function load(file: string): Obj {
  const doc: Document = parseDocument(readFileSync(path.join(REPO_ROOT, file), "utf8"), { merge: true });
  expect(doc.errors.map(String), file).to.deep.equal([]);
  const unexpected = doc.warnings.map(String).filter((w) => !/Unresolved tag: !(reset|override)/.test(w));
  expect(unexpected, file).to.deep.equal([]);
  visit(doc, {
    Node(_, node) {
      if (node.tag === "!reset") return new Scalar(RESET);
      if (node.tag === "!override") {
        node.tag = undefined;
        return doc.createNode({ [OVERRIDE]: node });
      }
    },
  });
  return doc.toJS() as Obj;
}

const REPLACED = new Set(["command", "entrypoint", "test"]);
const isMap = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Compose's merge: maps merge key by key, lists of ports/volumes/… add up, `!reset` clears. */
function merge(base: unknown, over: unknown, key = ""): unknown {
  if (over === RESET) return undefined;
  if (isMap(over) && OVERRIDE in over) return over[OVERRIDE];
  if (isMap(base) && isMap(over)) {
    const out: Obj = { ...base };
    for (const [k, v] of Object.entries(over)) {
      const merged = merge(base[k], v, k);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
    return out;
  }
  if (Array.isArray(base) && Array.isArray(over) && !REPLACED.has(key)) {
    const seen = new Set(base.map((x) => JSON.stringify(x)));
    return [...base, ...over.filter((x) => !seen.has(JSON.stringify(x)))];
  }
  return over;
}

const base = load("docker-compose.yml");
const prodFile = load("docker-compose.prod.yml");
const prod = merge(base, prodFile) as Obj;
const CHATLENS = ["gateway", "worker", "embedder"];
const env = (svc: Obj): Obj => svc.environment ?? {};
const publishing = (compose: Obj) =>
  Object.entries(compose.services as Obj)
    .filter(([, s]) => (s.ports ?? []).length > 0)
    .map(([name]) => name)
    .sort();

describe("docker compose files", () => {
  it("development: only the gateway and the monitoring UIs publish ports", () => {
    expect(publishing(base)).to.deep.equal(["gateway", "grafana", "prometheus"]);
    for (const name of ["grafana", "prometheus", "nats-exporter"])
      expect(base.services[name].profiles, name).to.deep.equal(["monitoring"]);
  });

  it("development: every chatlens node uses NATS, Redis, PostgreSQL and serves metrics on all interfaces", () => {
    for (const name of CHATLENS) {
      const e = env(base.services[name]);
      expect(e.TRANSPORTER, name).to.equal("nats://nats:4222");
      expect(e.CACHER, name).to.equal("redis://redis:6379");
      expect(e.DATABASE_URL, name).to.match(/^postgres:\/\/.+@postgres:5432\//);
      expect(e.METRICS_HOST, name).to.equal("0.0.0.0");
      expect(e.SERVICES, name).to.be.a("string");
    }
  });

  it("health-checks workers and embedders through the metrics probe (no HTTP API there)", () => {
    for (const name of ["worker", "embedder"]) {
      const test: string[] = base.services[name].healthcheck.test;
      expect(test.slice(0, 2), name).to.deep.equal(["CMD", "node"]);
      expect(test).to.include("--ready");
      expect(existsSync(path.join(REPO_ROOT, test[2]!.replace(/^\/app\//, "")))).to.be.true;
    }
  });

  it("mounts Prometheus' and Grafana's configuration from deploy/", () => {
    const mounts = (name: string) =>
      (base.services[name].volumes as string[])
        .filter((v) => v.startsWith("./"))
        .map((v) => v.split(":") as [string, string]);
    for (const name of ["prometheus", "grafana"])
      for (const [from] of mounts(name)) expect(existsSync(path.join(REPO_ROOT, from)), from).to.be.true;
    const grafanaTargets = mounts("grafana").map(([, to]) => to);
    expect(grafanaTargets).to.include.members(["/etc/grafana/provisioning", "/var/lib/grafana/dashboards"]);
    const provider = parseDocument(
      readFileSync(path.join(REPO_ROOT, "deploy/grafana/provisioning/dashboards/chatlens.yml"), "utf8"),
    ).toJS();
    expect(provider.providers[0].options.path).to.equal("/var/lib/grafana/dashboards");
  });

  it("production: nginx is the only service that publishes ports (80 and 443)", () => {
    expect(publishing(prod)).to.deep.equal(["nginx"]);
    expect(prod.services.nginx.ports.map((p: string) => p.split(":").pop())).to.deep.equal(["80", "443"]);
  });

  it("production: nginx gets its configuration and certificates, and waits for a healthy gateway", () => {
    const nginx = prod.services.nginx;
    const volumes = nginx.volumes as string[];
    expect(volumes).to.include("./deploy/nginx/nginx.conf:/etc/nginx/nginx.conf:ro");
    expect(volumes.some((v) => /:\/etc\/nginx\/certs:ro$/.test(v))).to.be.true;
    expect(nginx.depends_on.gateway.condition).to.equal("service_healthy");
  });

  it("production: chatlens nodes run in production mode with required secrets; the gateway trusts the proxy", () => {
    for (const name of [...CHATLENS, "embedder-gpu"]) {
      const e = env(prod.services[name]);
      expect(e.NODE_ENV, name).to.equal("production");
      // ${VAR:?message}: compose stops with the message when the secret is not set.
      for (const secret of PRODUCTION_SECRETS)
        expect(e[secret], `${name} ${secret}`).to.match(new RegExp(`^\\$\\{${secret}:\\?`));
    }
    expect(env(prod.services.gateway).TRUST_PROXY).to.equal("true");
    expect(env(base.services.gateway).TRUST_PROXY).to.be.undefined;
  });

  it("production: the CUDA embedder is a `gpu` profile built from the Dockerfile's embedder-cuda stage", () => {
    const gpu = prod.services["embedder-gpu"];
    expect(gpu.profiles).to.deep.equal(["gpu"]);
    expect(gpu.build.target).to.equal("embedder-cuda");
    expect(readFileSync(path.join(REPO_ROOT, "Dockerfile"), "utf8")).to.match(/^FROM \S+ AS embedder-cuda$/m);
    expect(env(gpu)).to.include({ SERVICES: "embedder", EMBEDDER_DEVICE: "cuda", EMBEDDER_GPU: "true" });
    expect(gpu.deploy.resources.reservations.devices[0]).to.deep.include({ driver: "nvidia", capabilities: ["gpu"] });
    expect(gpu.healthcheck.test).to.include("--ready");
  });

  describe("deploy/nginx/nginx.conf", () => {
    const conf = readFileSync(path.join(REPO_ROOT, "deploy/nginx/nginx.conf"), "utf8");
    const directive = (name: string) =>
      [...conf.matchAll(new RegExp(`^\\s*${name}\\s+([^;]+);`, "gm"))].map((m) => m[1]!);

    it("accepts exactly the largest upload the gateway accepts (UPLOAD_MAX_BYTES)", () => {
      const maxBytes = envSchema.parse({}).UPLOAD_MAX_BYTES;
      const sizes = directive("client_max_body_size");
      expect(sizes).to.have.length(1);
      const m = /^(\d+)([kmg]?)$/.exec(sizes[0]!)!;
      expect(Number(m[1]) * ({ "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as Obj)[m[2]!]).to.equal(maxBytes);
    });

    it("redirects HTTP to HTTPS and terminates TLS with certificates from the mounted directory", () => {
      expect(conf).to.match(/listen 80\b[^;]*;[\s\S]*return 301 https:\/\/\$host\$request_uri;/);
      expect(directive("listen")).to.include("443 ssl default_server");
      expect(directive("ssl_certificate")).to.deep.equal(["/etc/nginx/certs/fullchain.pem"]);
      expect(directive("ssl_certificate_key")).to.deep.equal(["/etc/nginx/certs/privkey.pem"]);
      expect(directive("ssl_protocols")).to.deep.equal(["TLSv1.2 TLSv1.3"]);
      expect(directive("add_header").join("\n")).to.contain("Strict-Transport-Security");
    });

    it("streams uploads and overwrites X-Forwarded-For with the peer (the gateway trusts its first hop)", () => {
      expect(directive("proxy_request_buffering")).to.include("off");
      expect(directive("proxy_buffering")).to.include("off");
      expect(directive("proxy_set_header")).to.include("X-Forwarded-For $remote_addr");
      expect(directive("proxy_set_header")).to.include("X-Forwarded-Proto $scheme");
      expect(directive("proxy_pass")).to.include("http://chatlens_gateway");
      expect(conf).to.match(/upstream chatlens_gateway \{\s*(#[^\n]*\n\s*)*server gateway:3000;/);
    });
  });
});
