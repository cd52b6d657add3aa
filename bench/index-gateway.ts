// Search latency through the HTTP gateway versus in process, on one large index.
//
//   npx tsx bench/index-gateway.ts [count=100000] [dim=512] [connections=8] [seconds=10]
//
// The index (clustered synthetic vectors, HNSW past INDEX_ANN_THRESHOLD) is reused from
// benchIndexDir (bench/index-engine.ts saves there), or built once and kept there. In process:
// VectorIndex.search, one query at a time. Through the gateway: a platform node (api, auth, index
// on PGlite) with the index installed as a dataset's index, queried over loopback HTTP with a
// signed-in user's token, one at a time and then under concurrent load with autocannon. The
// gateway path is the search-by-vector endpoint (`POST /api/search/vector`, a precomputed query
// vector as base64 float32), so the model's embedding time does not hide what the gateway, the
// service and the index cost. The client runs in its own process (bench/gateway-client.ts), as
// real callers do: one at a time it is node:http with a keep-alive connection (what autocannon
// does too); fetch is timed as well, since undici's client-side cost is no part of the gateway's.
import { execFile } from "node:child_process";
import { access, mkdir, cp, rm, writeFile } from "node:fs/promises";
import { Session } from "node:inspector/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { datasets } from "../models/schema.ts";
import { float32ToBase64 } from "../lib/vector-codec.ts";
import { indexDir } from "../services/index/index-key.ts";
import { timeConcurrentSearches, timeSearches, type SearchTiming } from "../services/index/search-timing.ts";
import { VectorIndex, type VectorEntry } from "../services/index/vector-index.ts";
import { http } from "../test/helpers/http.ts";
import { startTestPlatform } from "../test/helpers/platform.ts";
import { AUTH_TEST_ENV, signUp } from "../test/integration/auth/fixtures.ts";
import { benchIndexDir, clusteredQueries, clusteredVectors } from "./index-clustered-data.ts";
import { storeBenchVectors } from "./stored-vectors.ts";

const run = promisify(execFile);

const count = Number(process.argv[2] ?? 100_000);
const dim = Number(process.argv[3] ?? 512);
const connections = Number(process.argv[4] ?? 8);
const duration = Number(process.argv[5] ?? 10);
const k = 10;
const queryCount = 1000;
const shape = { count, dim, clusters: Math.max(10, Math.round(count / 300)) };
const log = (...args: unknown[]) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...args);
const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );
const round = (x: number) => Math.round(x * 1000) / 1000;

const cacheDir = benchIndexDir(count, dim);
const loadBefore = os.loadavg();
if (!(await exists(path.join(cacheDir, "index.json")))) {
  log(`building ${count} × ${dim} into ${cacheDir}`);
  const data = clusteredVectors(shape);
  function* entries(): Generator<VectorEntry> {
    for (let i = 0; i < count; i++) yield { chunkId: `c${i}`, vector: data.vectors.subarray(i * dim, (i + 1) * dim) };
  }
  const started = performance.now();
  const built = await VectorIndex.rebuild(entries(), { dim });
  log(`built ${built.engineKind} in ${Math.round((performance.now() - started) / 1000)} s`);
  await mkdir(cacheDir, { recursive: true });
  await built.save(cacheDir);
  await built.dispose();
} else log(`reusing ${cacheDir}`);

const queries = clusteredQueries(shape, queryCount);
const query = (q: number) => queries.subarray(q * dim, (q + 1) * dim);

log("in process");
const local = await VectorIndex.load(cacheDir);
const engine = local.describe();
const inProcess = await timeSearches(
  (q: number) => local.search(query(q), k),
  Array.from({ length: queryCount }, (_, i) => i),
);
// The engine under the same concurrency as the gateway's load phase: `connections` callers back to back.
const inProcessConcurrent = await timeConcurrentSearches(
  (q: number) => local.search(query(q), k),
  Array.from({ length: queryCount }, (_, i) => i),
  connections,
  duration * 1000,
);
await local.dispose();

log("starting the gateway node");
const p = await startTestPlatform({
  services: ["api", "auth", "index"],
  env: { ...AUTH_TEST_ENV, INDEX_MEMORY_BUDGET_MB: "8192", LOG_LEVEL: "error" },
});
try {
  const user = await signUp(p);
  const [dataset] = await p.database.db
    .insert(datasets)
    .values({ orgId: user.orgId, name: "bench", modelId: "bench-vectors" })
    .returning();
  const key = { datasetId: dataset!.id, modelId: "bench-vectors" };
  log("storing the vectors in the database");
  await storeBenchVectors(p.database.db, { orgId: user.orgId, ...key }, clusteredVectors(shape).vectors, dim);
  await cp(cacheDir, indexDir(p.config.indexDir, key), { recursive: true });
  const body = (q: number) => ({ datasetId: key.datasetId, vector: float32ToBase64(Float32Array.from(query(q))), k });
  const first = await http(p.baseUrl, "POST", "/api/search/vector", { token: user.accessToken, body: body(0) });
  if (first.status !== 200 || first.body.hits.length !== k)
    throw new Error(`gateway search failed: ${first.status} ${JSON.stringify(first.body).slice(0, 300)}`);

  // The client runs in its own process (bench/gateway-client.ts), one phase per run.
  const jobFile = path.join(os.tmpdir(), `chatlens-gateway-job-${process.pid}.json`);
  const bodies = Array.from({ length: queryCount }, (_, q) => JSON.stringify(body(q)));
  await writeFile(
    jobFile,
    JSON.stringify({
      baseUrl: p.baseUrl,
      path: "/api/search/vector",
      token: user.accessToken,
      bodies,
      connections,
      seconds: duration,
    }),
  );
  const client = async <T>(phase: string): Promise<T> => {
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", fileURLToPath(new URL("./gateway-client.ts", import.meta.url)), jobFile, phase],
      {
        maxBuffer: 1 << 20,
      },
    );
    return JSON.parse(stdout.trim().split("\n").pop()!) as T;
  };

  log("gateway, one query at a time");
  // BENCH_CPU_PROFILE=file.cpuprofile: a V8 CPU profile of the server during this phase (open it in Chrome's DevTools).
  const profiler = process.env.BENCH_CPU_PROFILE ? new Session() : undefined;
  if (profiler) {
    profiler.connect();
    await profiler.post("Profiler.enable");
    await profiler.post("Profiler.setSamplingInterval", { interval: 50 });
    await profiler.post("Profiler.start");
  }
  const gateway = await client<SearchTiming>("sequential");
  if (profiler) {
    const { profile } = await profiler.post("Profiler.stop");
    await writeFile(process.env.BENCH_CPU_PROFILE!, JSON.stringify(profile));
    profiler.disconnect();
  }
  const gatewayFetch = await client<SearchTiming>("fetch");

  log(`gateway, ${connections} connections for ${duration} s, timed per request`);
  const gatewayConcurrent = await client<SearchTiming>("concurrent");
  log(`gateway, ${connections} connections for ${duration} s, autocannon`);
  const load = await client<{
    p50Ms: number;
    p99Ms: number;
    requestsPerSecond: number;
    non2xx: number;
    errors: number;
  }>("load");
  await rm(jobFile, { force: true });

  const summary = {
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, Node ${process.version}`,
    index: { count, dim, engine: engine.engine, params: engine.params, k },
    inProcess: { p50Ms: round(inProcess.p50Ms), p99Ms: round(inProcess.p99Ms), qps: Math.round(inProcess.qps) },
    gatewaySequential: { p50Ms: round(gateway.p50Ms), p99Ms: round(gateway.p99Ms), qps: Math.round(gateway.qps) },
    gatewaySequentialFetch: {
      p50Ms: round(gatewayFetch.p50Ms),
      p99Ms: round(gatewayFetch.p99Ms),
      qps: Math.round(gatewayFetch.qps),
    },
    inProcessConcurrent: {
      connections,
      seconds: duration,
      p50Ms: round(inProcessConcurrent.p50Ms),
      p99Ms: round(inProcessConcurrent.p99Ms),
      qps: Math.round(inProcessConcurrent.qps),
    },
    gatewayConcurrent: {
      connections,
      seconds: duration,
      p50Ms: round(gatewayConcurrent.p50Ms),
      p99Ms: round(gatewayConcurrent.p99Ms),
      qps: Math.round(gatewayConcurrent.qps),
    },
    gatewayLoad: { connections, seconds: duration, ...load },
    ratioGatewayP50ToInProcessP50: round(gateway.p50Ms / inProcess.p50Ms),
    ratioGatewayFetchP50ToInProcessP50: round(gatewayFetch.p50Ms / inProcess.p50Ms),
    // Under load: the gateway's p50/p99 over the engine's at the same concurrency, and throughput.
    ratioConcurrentP50: round(gatewayConcurrent.p50Ms / inProcessConcurrent.p50Ms),
    ratioConcurrentP99: round(gatewayConcurrent.p99Ms / inProcessConcurrent.p99Ms),
    ratioThroughputGatewayToInProcess: round(gatewayConcurrent.qps / inProcessConcurrent.qps),
    ratioAutocannonThroughputToInProcess: round(load.requestsPerSecond / inProcessConcurrent.qps),
    loadAverage: { before: loadBefore.map(round), after: os.loadavg().map(round) },
  };
  console.log(JSON.stringify(summary, null, 2));
} finally {
  await p.stop();
}
