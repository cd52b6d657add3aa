import { expect } from "chai";
import { sql } from "drizzle-orm";
import { http } from "../../helpers/http.ts";
import { requireServers } from "../../helpers/servers.ts";
import { PASSWORD } from "../auth/fixtures.ts";
import { createDataset, poll, topicExport, waitForImportEnd, waitForIndexed } from "../ops/helpers.ts";
import { serversAreLocal, startProcessCluster, type ProcessCluster } from "./cluster.ts";

/** Seconds of silence after which an import counts as its node's and is reaped (120 s in production). */
const STALE_AFTER_S = 4;

async function account(cluster: ProcessCluster) {
  return poll("sign-up once the cluster has met", 30_000, async () => {
    const res = await http(cluster.baseUrl, "POST", "/api/auth/signup", { body: { email: `k-${Date.now()}@example.test`, password: PASSWORD } });
    return res.status === 201 ? { orgId: res.body.orgId as string, accessToken: res.body.accessToken as string } : null;
  });
}

async function upload(cluster: ProcessCluster, token: string, datasetId: string, content: string): Promise<string> {
  const res = await fetch(`${cluster.baseUrl}/api/datasets/${datasetId}/imports?format=whatsapp&daysFirst=true&filename=chat.txt`, {
    method: "PUT",
    body: content,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
  });
  const body = (await res.json()) as { id: string };
  expect(res.status, JSON.stringify(body)).to.equal(202);
  return body.id;
}

async function count(cluster: ProcessCluster, query: ReturnType<typeof sql>): Promise<number> {
  const [row] = await cluster.database.rows<{ n: string }>(query);
  return Number(row!.n);
}

describe("faults: kill -9 of a node in the middle of its work", function () {
  this.timeout(180_000);

  before(async function () {
    await requireServers(this, "postgres", "redis", "nats");
    if (!serversAreLocal()) this.skip();
  });

  it("an embedder dies mid-dataset: the other embedder finishes it, every chunk embedded exactly once", async () => {
    const cluster = await startProcessCluster([
      { nodeID: "emb-1", services: "embedder" },
      { nodeID: "emb-2", services: "embedder" },
      { nodeID: "gw", services: "api,auth,ingest,index" },
    ]);
    try {
      const owner = await account(cluster);
      await poll("the gateway to see the embedders", 30_000, async () => (await http(cluster.baseUrl, "GET", "/api/models", { token: owner.accessToken })).status === 200);
      const datasetId = await createDataset(cluster.baseUrl, owner.accessToken);
      const importId = await upload(cluster, owner.accessToken, datasetId, topicExport(2500));
      expect((await waitForImportEnd(cluster.baseUrl, owner.accessToken, importId)).status).to.equal("completed");

      const embedded = sql`select count(*) as n from embeddings where dataset_id = ${datasetId}`;
      const chunks = sql`select count(*) as n from chunks where dataset_id = ${datasetId}`;
      // Both nodes are working (jobs are spread over the consumer group) and some vectors are stored.
      await poll("embedding to be under way", 60_000, async () => (await count(cluster, embedded)) > 0, 50);
      cluster.nodes.get("emb-1")!.child.kill("SIGKILL");
      const total = await count(cluster, chunks);
      expect(await count(cluster, embedded), "emb-1 was killed before the dataset was done").to.be.lessThan(total);

      const status = await waitForIndexed(cluster.baseUrl, owner.accessToken, datasetId, 120_000);
      expect(status.index.count).to.equal(total);
      const [row] = await cluster.database.rows<{ rows: string; distinct: string; missing: string }>(sql`
        select (select count(*) from embeddings where dataset_id = ${datasetId}) as rows,
               (select count(distinct (chunk_id, model_id)) from embeddings where dataset_id = ${datasetId}) as distinct,
               (select count(*) from chunks c where c.dataset_id = ${datasetId}
                  and not exists (select 1 from embeddings e where e.chunk_id = c.id)) as missing`);
      expect({ rows: Number(row!.rows), distinct: Number(row!.distinct), missing: Number(row!.missing) }).to.deep.equal({ rows: total, distinct: total, missing: 0 });
    } finally {
      await cluster.stop();
    }
  });

  it("an ingest node dies mid-import: a surviving node rolls the import back, and a re-upload completes with nothing doubled", async () => {
    const env = { IMPORT_STALE_AFTER_S: String(STALE_AFTER_S) };
    const cluster = await startProcessCluster([
      { nodeID: "ing-1", services: "ingest", env },
      { nodeID: "ing-2", services: "ingest", env },
      { nodeID: "gw", services: "api,auth", env },
    ]);
    try {
      const owner = await account(cluster);
      const datasetId = await createDataset(cluster.baseUrl, owner.accessToken);
      const messages = 60_000;
      const content = topicExport(messages);
      const importId = await upload(cluster, owner.accessToken, datasetId, content);
      const running = await poll("the import to be running with messages stored", 60_000, async () => {
        const r = await http(cluster.baseUrl, "GET", `/api/imports/${importId}`, { token: owner.accessToken });
        return r.body.status === "running" && r.body.messagesRead > 0 ? r.body : null;
      }, 20);
      const [{ node_id: victim }] = await cluster.database.rows<{ node_id: string }>(sql`select node_id from imports where id = ${importId}`);
      expect(victim).to.be.oneOf(["ing-1", "ing-2"]);
      expect(running.messagesRead).to.be.lessThan(messages);
      cluster.nodes.get(victim)!.child.kill("SIGKILL");

      const failed = await waitForImportEnd(cluster.baseUrl, owner.accessToken, importId, 30_000);
      expect(failed.status).to.equal("failed");
      expect(await count(cluster, sql`select count(*) as n from messages where dataset_id = ${datasetId}`), "the interrupted import was rolled back").to.equal(0);

      const again = await upload(cluster, owner.accessToken, datasetId, content);
      const done = await waitForImportEnd(cluster.baseUrl, owner.accessToken, again, 120_000);
      expect(done.status, JSON.stringify(done)).to.equal("completed");
      expect(await count(cluster, sql`select count(*) as n from messages where dataset_id = ${datasetId}`)).to.equal(messages);
    } finally {
      await cluster.stop();
    }
  });
});
