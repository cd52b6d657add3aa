/**
 * Embedding throughput with 1, 2 and 4 embedder nodes (issue 16 point 4): one process cluster
 * over the machine's NATS (JetStream), Redis and an isolated PostgreSQL database, as production
 * runs it (`bin/chatlens.ts` per node): a gateway node (api, auth, ingest) and embedder nodes with
 * a fixed number of onnxruntime threads each (EMBEDDER_THREADS, default 1). Embedder nodes are
 * added one step at a time; at each step a fresh chat (the chat-like corpus of
 * bench/embed-corpus.ts) is uploaded and the clock runs from its first stored vector to its last.
 * Reports chunks per second per step and the ratio to linear (throughput / (nodes × 1-node
 * throughput)). Linear needs a core per node's threads: note the machine's cores and load.
 *
 *   npx tsx bench/embed-scale-out.ts [--nodes 1,2,4] [--messages 6000] [--threads 1] [--concurrency 2]
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { startProcessCluster } from "../test/integration/faults/cluster.ts";
import { http } from "../test/helpers/http.ts";
import { loadAverages, poll, signUpWhenReady } from "./cluster-bench.ts";
import { chatCorpus, whatsappExport } from "./embed-corpus.ts";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "1,2,4" },
    messages: { type: "string", default: "6000" },
    threads: { type: "string", default: "1" },
    concurrency: { type: "string", default: "2" },
  },
});
const steps = values.nodes.split(",").map(Number);
const MESSAGES = Number(values.messages);
// LOG_LEVEL stays info: a node counts as started when it logs that its services started.
const embedderEnv = { EMBEDDER_THREADS: values.threads, EMBED_CONCURRENCY: values.concurrency, EMBEDDER_GPU: "false" };

const cluster = await startProcessCluster([{ nodeID: "gw", services: "api,auth,ingest" }]);
const results: { nodes: number; chunks: number; seconds: number; perSecond: number; load: string }[] = [];
try {
  const token = await signUpWhenReady(cluster, "scale");
  const corpus = chatCorpus();
  let started = 0;
  for (const [step, n] of steps.entries()) {
    while (started < n) await cluster.start(`emb-${++started}`, "embedder", embedderEnv);
    await poll("the gateway to see the embedders", 120_000, async () =>
      (await http(cluster.baseUrl, "GET", "/api/models", { token })).body?.items?.[0]?.nodes?.length === n
        ? true
        : null,
    );
    const ds = await http(cluster.baseUrl, "POST", "/api/datasets", { token, body: { name: `scale-${n}` } });
    const datasetId = ds.body.id;
    const lines = Array.from({ length: MESSAGES }, (_, i) => `${corpus[i % corpus.length]} (${step}.${i})`);
    const up = await fetch(
      `${cluster.baseUrl}/api/datasets/${datasetId}/imports?format=whatsapp&daysFirst=true&filename=chat.txt`,
      {
        method: "PUT",
        body: whatsappExport(lines, Date.UTC(2020 + step, 0, 1)),
        headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
      },
    );
    if (up.status !== 202) throw new Error(`upload answered ${up.status}`);
    const count = async () => {
      const [row] = await cluster.database.rows<{ chunks: string; embedded: string }>(sql`
        select (select count(*) from chunks where dataset_id = ${datasetId}) as chunks,
               (select count(*) from embeddings where dataset_id = ${datasetId}) as embedded`);
      return { chunks: Number(row!.chunks), embedded: Number(row!.embedded) };
    };
    const first = await poll("the first vector", 600_000, async () =>
      (await count()).embedded > 0 ? Date.now() : null,
    );
    const { chunks, embedded: atStart } = await count();
    const done = await poll("every chunk embedded", 3_600_000, async () => {
      const c = await count();
      return c.chunks > 0 && c.embedded === c.chunks ? { at: Date.now(), ...c } : null;
    });
    const seconds = (done.at - first) / 1000;
    const perSecond = (done.chunks - atStart) / seconds;
    results.push({ nodes: n, chunks: done.chunks, seconds, perSecond, load: loadAverages() });
    console.log(
      `${n} embedder node(s): ${done.chunks} chunks (${chunks} when the first vector landed), ${seconds.toFixed(1)} s, ${perSecond.toFixed(1)} chunks/s, load ${loadAverages()}`,
    );
  }
} finally {
  await cluster.stop();
}

const base = results.find((r) => r.nodes === 1)?.perSecond;
console.log(
  `\nmachine: ${os.cpus().length} cores (${os.cpus()[0]?.model}), threads per node ${values.threads}, EMBED_CONCURRENCY ${values.concurrency}`,
);
console.log("| embedder nodes | chunks | seconds | chunks/s | ratio to linear | load (1/5/15 min) |");
console.log("|---|---|---|---|---|---|");
for (const r of results)
  console.log(
    `| ${r.nodes} | ${r.chunks} | ${r.seconds.toFixed(1)} | ${r.perSecond.toFixed(1)} | ${base ? (r.perSecond / (r.nodes * base)).toFixed(2) : "—"} | ${r.load} |`,
  );
