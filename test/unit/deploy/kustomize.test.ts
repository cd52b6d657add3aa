import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { parseAllDocuments } from "yaml";
import { PRODUCTION_SECRETS } from "../../../config/schema.ts";
import { REPO_ROOT } from "../../helpers/paths.ts";

/**
 * Renders every Kustomize overlay under deploy/k8s/overlays with `kubectl kustomize` (CI installs
 * Debian's kubernetes-client, whose kubectl 1.20 embeds kustomize v2.0.3; KUBECTL picks another
 * binary) and checks what a cluster would receive.
 */
const KUBECTL = process.env.KUBECTL || "kubectl";
const OVERLAYS_DIR = path.join(REPO_ROOT, "deploy/k8s/overlays");
const OVERLAYS = readdirSync(OVERLAYS_DIR).filter((d) => existsSync(path.join(OVERLAYS_DIR, d, "kustomization.yaml")));

type Obj = Record<string, any>;
interface Resource extends Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
}

function render(overlay: string): Resource[] {
  const out = spawnSync(KUBECTL, ["kustomize", path.join(OVERLAYS_DIR, overlay)], { encoding: "utf8" });
  if (out.status !== 0) throw new Error(`kubectl kustomize ${overlay} failed:\n${out.stderr}`);
  const docs = parseAllDocuments(out.stdout);
  for (const doc of docs) if (doc.errors.length) throw new Error(`${overlay}: invalid YAML: ${doc.errors[0]!.message}`);
  return docs.map((d) => d.toJS() as Resource).filter(Boolean);
}

const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet"];
const podSpec = (r: Resource): Obj => r.spec.template.spec;
const containers = (r: Resource): Obj[] => podSpec(r).containers;
const isChatlens = (c: Obj) => /(^|\/)chatlens(-cuda)?(:|$)/.test(c.image);
const envVar = (c: Obj, name: string): Obj | undefined => (c.env ?? []).find((e: Obj) => e.name === name);

describe("Kubernetes manifests (deploy/k8s, kubectl kustomize)", function () {
  this.timeout(180_000);

  before(function () {
    const probe = spawnSync(KUBECTL, ["version", "--client"], { encoding: "utf8" });
    if (probe.status === 0 && !probe.error) return;
    const reason = `needs ${KUBECTL} (apt-get install kubernetes-client), not found`;
    if (process.env.CI === "true") throw new Error(`CI=true and this test ${reason}`);
    console.log(`      [skipped: ${reason}]`);
    this.skip();
  });

  it("has a dev and a prod overlay", () => {
    expect(OVERLAYS).to.include.members(["dev", "prod"]);
  });

  for (const overlay of OVERLAYS) {
    describe(`overlay ${overlay}`, () => {
      let all: Resource[];
      const ofKind = (kind: string) => all.filter((r) => r.kind === kind);
      const find = (kind: string, name: string) => all.find((r) => r.kind === kind && r.metadata.name === name);
      const workloads = () => all.filter((r) => WORKLOAD_KINDS.includes(r.kind));
      const chatlensWorkloads = () => workloads().filter((w) => containers(w).some(isChatlens));
      const configMap = (w: Resource): Record<string, string> => {
        const data: Record<string, string> = {};
        for (const c of containers(w).filter(isChatlens))
          for (const from of c.envFrom ?? [])
            if (from.configMapRef) Object.assign(data, find("ConfigMap", from.configMapRef.name)?.data ?? {});
        return data;
      };
      /** Plain env value or, failing that, the value the container's ConfigMaps give it. */
      const setting = (w: Resource, c: Obj, name: string) => envVar(c, name)?.value ?? configMap(w)[name];

      before(() => {
        all = render(overlay);
      });

      it("renders valid objects with unique names, all in one namespace", () => {
        expect(all.length).to.be.greaterThan(10);
        const seen = new Set<string>();
        for (const r of all) {
          expect(r.apiVersion, JSON.stringify(r.metadata)).to.be.a("string");
          expect(r.kind).to.be.a("string");
          expect(r.metadata?.name).to.be.a("string");
          const key = `${r.kind}/${r.metadata.name}`;
          expect(seen.has(key), `duplicate ${key}`).to.be.false;
          seen.add(key);
        }
        const namespaces = new Set(all.filter((r) => r.kind !== "Namespace").map((r) => r.metadata.namespace));
        expect([...namespaces]).to.have.length(1);
        expect(ofKind("Namespace").map((n) => n.metadata.name)).to.deep.equal([...namespaces]);
      });

      it("runs each node shape: gateway, worker and embedder", () => {
        const shapes = Object.fromEntries(
          chatlensWorkloads().map((w) => [w.metadata.name, setting(w, containers(w).find(isChatlens)!, "SERVICES")]),
        );
        expect(shapes).to.deep.equal({
          gateway: "api,auth",
          worker: "ingest,index,cluster,analytics",
          embedder: "embedder",
        });
        expect(find("Deployment", "gateway")).to.exist;
        expect(find("Deployment", "embedder")).to.exist;
        // Per-pod index storage and stable node ids for the dataset shards.
        expect(find("StatefulSet", "worker")).to.exist;
      });

      it("gives every container liveness and readiness probes and resource requests and limits", () => {
        for (const w of workloads())
          for (const c of containers(w)) {
            const where = `${w.kind}/${w.metadata.name} container ${c.name}`;
            expect(c.livenessProbe, `${where}: livenessProbe`).to.be.an("object");
            expect(c.readinessProbe, `${where}: readinessProbe`).to.be.an("object");
            for (const kind of ["requests", "limits"])
              for (const res of ["cpu", "memory"])
                expect(c.resources?.[kind]?.[res], `${where}: resources.${kind}.${res}`).to.exist;
          }
      });

      it("probes the gateway on /api/health (liveness) and /api/ready (readiness) on its HTTP port", () => {
        const c = containers(find("Deployment", "gateway")!).find(isChatlens)!;
        const http = c.ports.find((p: Obj) => p.name === "http");
        expect(http.containerPort).to.equal(Number(envVar(c, "PORT")?.value));
        expect(c.livenessProbe.httpGet).to.deep.include({ path: "/api/health", port: "http" });
        expect(c.readinessProbe.httpGet).to.deep.include({ path: "/api/ready", port: "http" });
        expect(c.startupProbe?.httpGet).to.deep.include({ path: "/api/health", port: "http" });
      });

      it("probes the non-HTTP shapes through the metrics endpoint and the probe script in the image", () => {
        for (const w of chatlensWorkloads().filter((w) => w.metadata.name !== "gateway")) {
          const c = containers(w).find(isChatlens)!;
          const metrics = c.ports.find((p: Obj) => p.name === "metrics");
          expect(metrics?.containerPort, w.metadata.name).to.equal(Number(setting(w, c, "METRICS_PORT")));
          expect(c.livenessProbe.httpGet, w.metadata.name).to.deep.include({ path: "/metrics", port: "metrics" });
          const command: string[] = c.readinessProbe.exec?.command ?? [];
          expect(command.slice(0, 1).concat(command.slice(2)), w.metadata.name).to.deep.equal(["node", "--ready"]);
          // The image is the repository at /app (Dockerfile: WORKDIR /app, COPY . .).
          expect(command[1]).to.match(/^\/app\//);
          expect(existsSync(path.join(REPO_ROOT, command[1]!.slice("/app/".length))), command[1]).to.be.true;
        }
      });

      it("configures every chatlens node for the cluster: SERVICES, NATS, Redis, metrics on all interfaces", () => {
        for (const w of chatlensWorkloads()) {
          const c = containers(w).find(isChatlens)!;
          const name = w.metadata.name;
          expect(
            c.envFrom?.some((f: Obj) => f.configMapRef),
            `${name}: envFrom ConfigMap`,
          ).to.be.true;
          expect(setting(w, c, "SERVICES"), name).to.be.a("string");
          expect(setting(w, c, "TRANSPORTER"), name).to.match(/^nats:\/\/nats:4222$/);
          expect(setting(w, c, "CACHER"), name).to.match(/^redis:\/\/redis:6379$/);
          expect(setting(w, c, "METRICS_HOST"), name).to.equal("0.0.0.0");
          expect(setting(w, c, "METRICS_ENABLED"), name).to.equal("true");
          expect(envVar(c, "NODE_ID")?.valueFrom?.fieldRef?.fieldPath, name).to.equal("metadata.name");
          // Scrape annotations point at the metrics port.
          const annotations = w.spec.template.metadata.annotations ?? {};
          expect(annotations["prometheus.io/scrape"], name).to.equal("true");
          expect(annotations["prometheus.io/port"], name).to.equal(setting(w, c, "METRICS_PORT"));
        }
      });

      it("takes DATABASE_URL and the production secrets from a Secret, never from plain values", () => {
        const secretNames = new Set(ofKind("Secret").map((s) => s.metadata.name));
        for (const w of chatlensWorkloads()) {
          const c = containers(w).find(isChatlens)!;
          for (const name of ["DATABASE_URL", ...PRODUCTION_SECRETS]) {
            const ref = envVar(c, name)?.valueFrom?.secretKeyRef;
            expect(ref, `${w.metadata.name}: ${name} from a secretKeyRef`).to.exist;
            expect(ref.optional ?? false, `${w.metadata.name}: ${name} required`).to.be.false;
            expect(configMap(w), `${name} in a ConfigMap`).not.to.have.property(name);
            // Where the overlay generates the Secret, it must hold the key (kustomize renamed the ref).
            if (secretNames.size && overlay === "dev") {
              const secret = find("Secret", ref.name);
              expect(secret, `${ref.name} rendered`).to.exist;
              expect(secret!.data, `${ref.name} has ${ref.key}`).to.have.property(ref.key);
            }
          }
        }
        for (const cm of ofKind("ConfigMap"))
          for (const key of Object.keys(cm.data ?? {}))
            expect(key, `ConfigMap ${cm.metadata.name}`).not.to.match(/SECRET|PASSWORD|KEY$|DATABASE_URL/);
      });

      it("mounts persistent storage for the indexes on every worker and for JetStream", () => {
        const worker = find("StatefulSet", "worker")!;
        const c = containers(worker).find(isChatlens)!;
        const claim = worker.spec.volumeClaimTemplates.find((v: Obj) => v.metadata.name === "data");
        expect(claim.spec.accessModes).to.deep.equal(["ReadWriteOnce"]);
        const mount = c.volumeMounts.find((m: Obj) => m.name === "data");
        expect(setting(worker, c, "INDEX_DIR")!.startsWith(mount.mountPath + "/")).to.be.true;
        const nats = find("StatefulSet", "nats")!;
        expect(nats.spec.volumeClaimTemplates.map((v: Obj) => v.metadata.name)).to.include("data");
        const conf: string = find("ConfigMap", "nats-config")!.data["nats.conf"];
        expect(conf).to.match(/jetstream\s*\{[^}]*store_dir:\s*\/data/);
        expect(find("Service", "nats")).to.exist;
        expect(find("Service", "redis")).to.exist;
      });

      it("autoscales workers and embedders, targeting workloads that exist", () => {
        const hpas = ofKind("HorizontalPodAutoscaler");
        expect(hpas.map((h) => h.spec.scaleTargetRef.name)).to.include.members(["worker", "embedder"]);
        for (const h of hpas) {
          const { kind, name } = h.spec.scaleTargetRef;
          expect(find(kind, name), `HPA ${h.metadata.name} → ${kind}/${name}`).to.exist;
          expect(h.spec.minReplicas).to.be.at.least(1);
          expect(h.spec.maxReplicas).to.be.at.least(h.spec.minReplicas);
          // CPU utilisation targets are relative to requests.
          for (const c of containers(find(kind, name)!)) expect(c.resources.requests.cpu).to.exist;
        }
      });

      it("exposes the gateway through a Service and an Ingress that match its pods", () => {
        const gateway = find("Deployment", "gateway")!;
        const service = find("Service", "gateway")!;
        const podLabels = gateway.spec.template.metadata.labels;
        for (const [k, v] of Object.entries(service.spec.selector)) expect(podLabels[k]).to.equal(v);
        const ingress = ofKind("Ingress")[0]!;
        const backend = ingress.spec.rules[0].http.paths[0].backend.service;
        expect(backend.name).to.equal("gateway");
        expect(service.spec.ports.map((p: Obj) => p.name)).to.include(backend.port.name);
        const c = containers(gateway).find(isChatlens)!;
        expect(envVar(c, "TRUST_PROXY")?.value).to.equal("true");
        // The ingress lets the largest upload through without buffering it.
        const maxBytes = Number(setting(gateway, c, "UPLOAD_MAX_BYTES"));
        const bodySize = ingress.metadata.annotations!["nginx.ingress.kubernetes.io/proxy-body-size"]!;
        expect(parseSize(bodySize)).to.be.at.least(maxBytes);
        expect(ingress.metadata.annotations!["nginx.ingress.kubernetes.io/proxy-request-buffering"]).to.equal("off");
      });

      if (overlay === "dev") {
        it("dev: runs PostgreSQL in-cluster on a PVC, and DATABASE_URL points at it", () => {
          const pg = find("StatefulSet", "postgres")!;
          expect(pg.spec.volumeClaimTemplates[0].spec.resources.requests.storage).to.exist;
          expect(find("Service", "postgres")).to.exist;
          const c = containers(find("Deployment", "gateway")!).find(isChatlens)!;
          const ref = envVar(c, "DATABASE_URL")!.valueFrom.secretKeyRef;
          const url = Buffer.from(find("Secret", ref.name)!.data[ref.key], "base64").toString();
          expect(url).to.match(/^postgres:\/\/[^@]+@postgres:5432\//);
        });
      }

      if (overlay === "prod") {
        it("prod: no in-cluster PostgreSQL and no committed secrets; production mode", () => {
          expect(
            all.filter((r) => /postgres/.test(JSON.stringify(r.spec?.template?.spec?.containers ?? []))),
          ).to.deep.equal([]);
          expect(ofKind("Secret")).to.deep.equal([]);
          for (const w of chatlensWorkloads()) {
            const c = containers(w).find(isChatlens)!;
            expect(setting(w, c, "NODE_ENV"), w.metadata.name).to.equal("production");
          }
        });

        it("prod: embedders get a GPU, the CUDA image and GPU nodes", () => {
          const embedder = find("Deployment", "embedder")!;
          const c = containers(embedder).find(isChatlens)!;
          expect(Number(c.resources.limits["nvidia.com/gpu"])).to.be.at.least(1);
          expect(c.image).to.match(/chatlens-cuda/);
          // "auto" takes the best provider that loads; the node advertises the device in use, so a
          // CPU fallback never claims a GPU (no EMBEDDER_GPU override).
          expect(envVar(c, "EMBEDDER_DEVICE")?.value).to.equal("auto");
          expect(envVar(c, "EMBEDDER_GPU")).to.equal(undefined);
          const spec = podSpec(embedder);
          expect(spec.nodeSelector ?? {}).not.to.be.empty;
          expect((spec.tolerations ?? []).map((t: Obj) => t.key)).to.include("nvidia.com/gpu");
        });

        it("prod: the ingress terminates TLS", () => {
          const ingress = ofKind("Ingress")[0]!;
          expect(ingress.spec.tls?.[0]?.secretName).to.be.a("string");
          expect(ingress.spec.tls[0].hosts).to.include(ingress.spec.rules[0].host);
        });
      }
    });
  }
});

/** nginx size syntax (2g, 512m, 100k, bytes). */
function parseSize(size: string): number {
  const m = /^(\d+)([kmg]?)$/i.exec(size.trim());
  if (!m) throw new Error(`bad size ${size}`);
  return (
    Number(m[1]) * ({ "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 } as Record<string, number>)[m[2]!.toLowerCase()]!
  );
}
