import { expect } from "chai";
import { sql } from "drizzle-orm";
import { signUpAndLogIn } from "../../helpers/accounts.ts";
import { http } from "../../helpers/http.ts";
import { jetStreamBacklog } from "../../../services/ops/channel-backlog.ts";
import { requireServers, SERVERS } from "../../helpers/servers.ts";
import { PASSWORD } from "../auth/fixtures.ts";
import { createDataset, poll, topicExport, waitForImportEnd } from "../ops/helpers.ts";
import { serversAreLocal, startProcessCluster, type ProcessCluster } from "./cluster.ts";

/** Seconds of silence after which an import counts as its node's and is reaped (120 s in production). */
const STALE_AFTER_S = 4;

async function account(cluster: ProcessCluster) {
  return poll("sign-up once the cluster has met", 90_000, async () => {
    const { account } = await signUpAndLogIn(
      cluster.baseUrl,
      {
        email: `k-${Date.now()}@example.test`,
        password: PASSWORD,
      },
      cluster.outboxDir,
    );
    return account ? { orgId: account.orgId, accessToken: account.accessToken } : null;
  });
}

async function upload(cluster: ProcessCluster, token: string, datasetId: string, content: string): Promise<string> {
  const res = await fetch(
    `${cluster.baseUrl}/api/datasets/${datasetId}/imports?format=whatsapp&daysFirst=true&filename=chat.txt`,
    {
      method: "PUT",
      body: content,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
    },
  );
  const body = (await res.json()) as { id: string };
  expect(res.status, JSON.stringify(body)).to.equal(202);
  return body.id;
}

async function count(cluster: ProcessCluster, query: ReturnType<typeof sql>): Promise<number> {
  const [row] = await cluster.database.rows<{ n: string }>(query);
  return Number(row!.n);
}

describe("faults: kill -9 of a node in the middle of its work", function () {
  this.timeout(540_000);

  before(async function () {
    await requireServers(this, "postgres", "redis", "nats");
    if (!serversAreLocal()) this.skip();
  });

  describe("an embedder dies mid-dataset", () => {
    let cluster: ProcessCluster | undefined;
    let owner: { accessToken: string };
    let datasetId: string;
    let total = 0;

    before(async function () {
      this.timeout(540_000);
      cluster = await startProcessCluster([
        { nodeID: "emb-1", services: "embedder" },
        { nodeID: "emb-2", services: "embedder" },
        { nodeID: "gw", services: "api,auth,ingest,index" },
      ]);
      owner = await account(cluster);
      await poll(
        "the gateway to see the embedders",
        90_000,
        async () => (await http(cluster!.baseUrl, "GET", "/api/models", { token: owner.accessToken })).status === 200,
      );
      datasetId = await createDataset(cluster.baseUrl, owner.accessToken);
      const importId = await upload(cluster, owner.accessToken, datasetId, topicExport(2500));
      expect((await waitForImportEnd(cluster.baseUrl, owner.accessToken, importId)).status).to.equal("completed");
      const embedded = sql`select count(*) as n from embeddings where dataset_id = ${datasetId}`;
      // Killed once the import is chunked and its embed jobs are queued (the chunk request acknowledged) and
      // vectors are arriving: jobs are spread over the consumer group, so emb-1 holds some of them.
      // (A node killed while chunking leaves jobs unpublished; the embedders' stall sweep re-enqueues
      // them after 5 minutes, too long for this test.)
      const chunkStream = `${cluster.namespace}_embed_chunk`;
      await poll(
        "the import chunked and embedding under way",
        180_000,
        async () => {
          const streams = await jetStreamBacklog(SERVERS.nats.url, cluster!.namespace);
          const chunking = streams.find((c) => c.stream === chunkStream);
          return chunking?.messages === 0 && (await count(cluster!, embedded)) > 0;
        },
        50,
      );
      cluster.nodes.get("emb-1")!.child.kill("SIGKILL");
      total = await count(cluster, sql`select count(*) as n from chunks where dataset_id = ${datasetId}`);
      expect(await count(cluster, embedded), "emb-1 was killed before the dataset was done").to.be.lessThan(total);
    });
    afterEach(async function () {
      // What the surviving embedder and the queue were doing, when this failed.
      if (this.currentTest?.state !== "failed" || !cluster) return;
      console.log(JSON.stringify(await jetStreamBacklog(SERVERS.nats.url, cluster.namespace), null, 1));
      console.log(cluster.nodes.get("emb-2")!.output().split("\n").slice(-30).join("\n"));
    });
    after(async () => {
      await cluster?.stop();
    });

    it("the other embedder finishes it: every chunk has exactly one vector", async () => {
      const [row] = await poll("every chunk to have a vector", 360_000, async () => {
        const rows = await cluster!.database.rows<{ rows: string; distinct: string; missing: string }>(sql`
          select (select count(*) from embeddings where dataset_id = ${datasetId}) as rows,
                 (select count(distinct (chunk_id, model_id)) from embeddings where dataset_id = ${datasetId}) as distinct,
                 (select count(*) from chunks c where c.dataset_id = ${datasetId}
                    and not exists (select 1 from embeddings e where e.chunk_id = c.id)) as missing`);
        return Number(rows[0]!.missing) === 0 ? rows : null;
      });
      expect({ rows: Number(row!.rows), distinct: Number(row!.distinct), missing: Number(row!.missing) }).to.deep.equal(
        { rows: total, distinct: total, missing: 0 },
      );
    });

    it("and the index holds every chunk", async () => {
      // Fails when the killed node had stored a job's vectors but died before announcing them
      // (embeddings.stored is an event, and the redelivered job finds nothing left to embed).
      const status = await poll("the index to hold every chunk", 180_000, async () => {
        const r = await http(cluster!.baseUrl, "GET", `/api/datasets/${datasetId}/index`, { token: owner.accessToken });
        return r.body.index?.count === total ? r.body : null;
      });
      expect(status.pendingChunks).to.equal(0);
    });
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
      const running = await poll(
        "the import to be running with messages stored",
        180_000,
        async () => {
          const r = await http(cluster.baseUrl, "GET", `/api/imports/${importId}`, { token: owner.accessToken });
          return r.body.status === "running" && r.body.messagesRead > 0 ? r.body : null;
        },
        20,
      );
      const [{ node_id: victim }] = await cluster.database.rows<{ node_id: string }>(
        sql`select node_id from imports where id = ${importId}`,
      );
      expect(victim).to.be.oneOf(["ing-1", "ing-2"]);
      expect(running.messagesRead).to.be.lessThan(messages);
      cluster.nodes.get(victim)!.child.kill("SIGKILL");

      const failed = await waitForImportEnd(cluster.baseUrl, owner.accessToken, importId, 90_000);
      expect(failed.status).to.equal("failed");
      expect(
        await count(cluster, sql`select count(*) as n from messages where dataset_id = ${datasetId}`),
        "the interrupted import was rolled back",
      ).to.equal(0);

      const again = await upload(cluster, owner.accessToken, datasetId, content);
      const done = await waitForImportEnd(cluster.baseUrl, owner.accessToken, again, 360_000);
      expect(done.status, JSON.stringify(done)).to.equal("completed");
      expect(await count(cluster, sql`select count(*) as n from messages where dataset_id = ${datasetId}`)).to.equal(
        messages,
      );
    } finally {
      await cluster.stop();
    }
  });

  it("an ingest node dies mid-import and the same file is uploaded again right away: exactly the file's messages, before and after the reaper", async () => {
    const env = { IMPORT_STALE_AFTER_S: String(STALE_AFTER_S) };
    const cluster = await startProcessCluster([
      { nodeID: "ing-1", services: "ingest", env },
      { nodeID: "ing-2", services: "ingest", env },
      { nodeID: "gw", services: "api,auth", env },
    ]);
    try {
      const owner = await account(cluster);
      const datasetId = await createDataset(cluster.baseUrl, owner.accessToken);
      const messages = 30_000;
      const content = topicExport(messages);
      const importId = await upload(cluster, owner.accessToken, datasetId, content);
      await poll(
        "the import to be running with messages stored",
        60_000,
        async () => {
          const r = await http(cluster.baseUrl, "GET", `/api/imports/${importId}`, { token: owner.accessToken });
          return r.body.status === "running" && r.body.messagesRead > 0 ? r.body : null;
        },
        20,
      );
      const [{ node_id: victim }] = await cluster.database.rows<{ node_id: string }>(
        sql`select node_id from imports where id = ${importId}`,
      );
      cluster.nodes.get(victim)!.child.kill("SIGKILL");

      // Before anything noticed the death: the dead import's rows are still there, its heartbeat fresh.
      const again = await upload(cluster, owner.accessToken, datasetId, content);
      const done = await waitForImportEnd(cluster.baseUrl, owner.accessToken, again, 180_000);
      expect(done.status, JSON.stringify(done)).to.equal("completed");
      const messagesNow = sql`select count(*) as n from messages where dataset_id = ${datasetId}`;
      expect(await count(cluster, messagesNow)).to.equal(messages);
      // The reaper (or the re-upload itself) rolled the dead import back: nothing of the new one went with it.
      expect((await waitForImportEnd(cluster.baseUrl, owner.accessToken, importId, 60_000)).status).to.equal("failed");
      await new Promise((r) => setTimeout(r, STALE_AFTER_S * 1000));
      expect(await count(cluster, messagesNow)).to.equal(messages);
    } finally {
      await cluster.stop();
    }
  });
});
