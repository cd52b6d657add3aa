/**
 * Index updates under a burst of imports (issue 16 point 2): ten datasets of 5,000 messages
 * uploaded at once to a three-node cluster (separate processes over the machine's NATS, Redis
 * and an isolated PostgreSQL database, as production runs them): a gateway node (api, auth,
 * ingest) and two worker nodes (embedder, index) that share the datasets' indexes. Waits until
 * every index holds every chunk, then reports: the time from the first upload, each dataset's
 * versions (one import = one real change, so one version), and every QueueIsFull or request
 * timeout any node logged.
 *
 *   npx tsx bench/index-storm.ts [--datasets 10] [--messages 5000]
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { sql } from "drizzle-orm";
import { startProcessCluster } from "../test/integration/faults/cluster.ts";
import { http } from "../test/helpers/http.ts";
import { loadAverages, poll, signUpWhenReady } from "./cluster-bench.ts";
import { chatCorpus, whatsappExport } from "./embed-corpus.ts";

const { values } = parseArgs({
  options: { datasets: { type: "string", default: "10" }, messages: { type: "string", default: "5000" } },
});
const DATASETS = Number(values.datasets);
const MESSAGES = Number(values.messages);
const cluster = await startProcessCluster([
  // One org uploads all ten: its queued-upload quota (5 by default) raised to let them in at once.
  { nodeID: "gw", services: "api,auth,ingest", env: { IMPORT_MAX_QUEUED_PER_ORG: String(DATASETS) } },
  { nodeID: "worker-1", services: "embedder,index", env: { EMBEDDER_THREADS: "1" } },
  { nodeID: "worker-2", services: "embedder,index", env: { EMBEDDER_THREADS: "1" } },
]);
try {
  const token = await signUpWhenReady(cluster, "storm");
  const corpus = chatCorpus();
  const ids: string[] = [];
  for (let d = 0; d < DATASETS; d++)
    ids.push((await http(cluster.baseUrl, "POST", "/api/datasets", { token, body: { name: `storm-${d}` } })).body.id);
  const loadBefore = loadAverages();
  const started = Date.now();
  await Promise.all(
    ids.map(async (datasetId, d) => {
      const lines = Array.from({ length: MESSAGES }, (_, i) => `${corpus[(i * 7 + d) % corpus.length]} (${d}.${i})`);
      const up = await fetch(
        `${cluster.baseUrl}/api/datasets/${datasetId}/imports?format=whatsapp&daysFirst=true&filename=chat.txt`,
        {
          method: "PUT",
          body: whatsappExport(lines, Date.UTC(2021, d, 1)),
          headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
        },
      );
      if (up.status !== 202) throw new Error(`upload ${d} answered ${up.status}`);
    }),
  );
  const indexedAt = new Map<string, number>();
  await poll("every index complete", 3_600_000, async () => {
    for (const datasetId of ids) {
      if (indexedAt.has(datasetId)) continue;
      const s = await http(cluster.baseUrl, "GET", `/api/datasets/${datasetId}/index`, { token });
      const [row] = await cluster.database.rows<{ chunks: string; unchunked: string }>(sql`
        select (select count(*) from chunks where dataset_id = ${datasetId}) as chunks,
               (select count(*) from imports i where i.dataset_id = ${datasetId}
                  and (i.status in ('queued', 'running') or (i.status = 'completed' and i.messages_added > 0
                  and not exists (select 1 from chunked_imports c where c.import_id = i.id)))) as unchunked`);
      const chunks = Number(row!.chunks);
      if (Number(row!.unchunked) === 0 && chunks > 0 && s.body?.index?.count === chunks && s.body?.latestVersion)
        indexedAt.set(datasetId, Date.now());
    }
    return indexedAt.size === ids.length ? true : null;
  });
  const seconds = (Math.max(...indexedAt.values()) - started) / 1000;
  // A commit may follow the last vector by its interval: let it land before counting versions.
  await new Promise((r) => setTimeout(r, 35_000));
  const versions: number[] = [];
  for (const datasetId of ids) {
    const list = await http(cluster.baseUrl, "GET", `/api/datasets/${datasetId}/index/versions`, { token });
    versions.push(list.body.items.length);
  }
  const logs = [...cluster.nodes.values()].map((n) => n.output()).join("\n");
  const count = (re: RegExp) => (logs.match(re) ?? []).length;
  console.log(
    JSON.stringify(
      {
        machine: `${os.cpus().length} × ${os.cpus()[0]?.model}`,
        datasets: DATASETS,
        messagesEach: MESSAGES,
        secondsUntilEveryIndexComplete: Math.round(seconds * 10) / 10,
        secondsPerDataset: [...indexedAt.values()]
          .map((t) => Math.round((t - started) / 100) / 10)
          .sort((a, b) => a - b),
        versionsPerDataset: versions,
        queueIsFull: count(/QueueIsFull/g),
        requestTimeouts: count(/RequestTimeout|timed out/gi),
        load: { before: loadBefore, after: loadAverages() },
      },
      null,
      2,
    ),
  );
} finally {
  await cluster.stop();
}
