import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import { sql } from "drizzle-orm";
import { signUpAndLogIn } from "../../helpers/accounts.ts";
import { http, type Schema } from "../../helpers/http.ts";
import { REPO_ROOT } from "../../helpers/paths.ts";
import { freePort, requireServers, SERVERS } from "../../helpers/servers.ts";
import { PASSWORD } from "../auth/fixtures.ts";
import { createDataset, poll, topicExport, waitForImportEnd } from "../ops/helpers.ts";
import { serversAreLocal, startProcessCluster, type ProcessCluster } from "./cluster.ts";

const run = promisify(execFile);
const INDEX_NODES = ["idx-1", "idx-2"] as const;
type IndexNode = (typeof INDEX_NODES)[number];

type IndexStatus = Schema<"IndexStatus">;

/**
 * Index ownership moving between index nodes (issue 16 point 3), as an operator meets it: two
 * index nodes, each with its own INDEX_DIR (production's StatefulSet volumes), so the node a
 * dataset moves to may hold a copy from an earlier spell as its owner, behind the database. After
 * `node:drain` and after kill -9 of the owner, the first answer of the new owner must hold every
 * stored vector (no `index:reindex`), and the old owner must stop exporting the index's metrics.
 */
describe("faults: a dataset's index moves to another index node (drain, kill -9)", function () {
  this.timeout(900_000);

  let cluster: ProcessCluster | undefined;
  let root = "";
  const metricsPorts = new Map<IndexNode, number>();
  let token = "";
  let datasetId = "";
  let owner: IndexNode;
  let other: IndexNode;
  let imports = 0;

  const indexEnv = (nodeID: IndexNode) => ({
    INDEX_DIR: path.join(root, nodeID),
    METRICS_ENABLED: "true",
    METRICS_HOST: "127.0.0.1",
    METRICS_PORT: String(metricsPorts.get(nodeID)),
  });
  const startIndexNode = (nodeID: IndexNode) => cluster!.start(nodeID, "index", indexEnv(nodeID));

  const status = async (): Promise<IndexStatus | null> => {
    const r = await http(cluster!.baseUrl, "GET", `/api/datasets/${datasetId}/index`, { token });
    return r.status === 200 ? r.body : null;
  };
  const storedVectors = async () => {
    const [row] = await cluster!.database.rows<{ n: string }>(
      sql`select count(*) as n from embeddings where dataset_id = ${datasetId}`,
    );
    return Number(row!.n);
  };
  /** Waits until `node` (any index node when not given) answers for the dataset with every stored vector and nothing left to embed. */
  const ownedCompletely = (node: IndexNode | undefined, what: string) =>
    poll(what, 300_000, async () => {
      const s = await status();
      return s && (!node || s.nodeID === node) && s.pendingChunks === 0 && s.index?.count === (await storedVectors())
        ? s
        : null;
    });
  /** The first answer of a node other than `from`: what the new owner serves right after the move. */
  const firstAnswerNotFrom = (from: IndexNode) =>
    poll(
      `another node than ${from} to answer for the dataset`,
      180_000,
      async () => {
        const s = await status();
        return s && s.nodeID !== from ? s : null;
      },
      100,
    );
  const importMore = async (messages: number) => {
    // Each import's messages start a year later, so no message is a duplicate of an earlier import's.
    const start = Date.UTC(2020 + imports++, 0, 1, 8, 0);
    const res = await fetch(
      `${cluster!.baseUrl}/api/datasets/${datasetId}/imports?format=whatsapp&daysFirst=true&filename=chat.txt`,
      {
        method: "PUT",
        body: topicExport(messages, start),
        headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
      },
    );
    const body = (await res.json()) as { id: string };
    expect(res.status, JSON.stringify(body)).to.equal(202);
    expect((await waitForImportEnd(cluster!.baseUrl, token, body.id)).status).to.equal("completed");
  };
  /** Every vector the index serves: a vector search with k past the vector count. */
  const servedVectors = async (modelId: string) => {
    const emb = await http(cluster!.baseUrl, "POST", "/v1/embeddings", {
      token,
      body: { model: modelId, input: "a hiking trip in June", encoding_format: "base64" },
    });
    expect(emb.status, JSON.stringify(emb.body)).to.equal(200);
    const r = await http(cluster!.baseUrl, "POST", "/api/search/vector", {
      token,
      body: { datasetId, vector: emb.body.data[0].embedding, k: 1000 },
    });
    expect(r.status, JSON.stringify(r.body)).to.equal(200);
    return (r.body.hits as unknown[]).length;
  };
  /** This dataset's index series on a node's /metrics. */
  const indexSeries = async (node: IndexNode) => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPorts.get(node)}/metrics`)).text();
    return text
      .split("\n")
      .filter((l) => /^chatlens_index_(vectors|bytes)\{/.test(l) && l.includes(`dataset="${datasetId}"`));
  };
  const operator = (...args: string[]) =>
    run(process.execPath, ["--import", "tsx", "bin/operator.ts", ...args], {
      cwd: REPO_ROOT,
      timeout: 180_000,
      env: {
        ...process.env,
        NODE_ENV: "test",
        TRANSPORTER: SERVERS.nats.url,
        CACHER: SERVERS.redis.url,
        DATABASE_URL: cluster!.database.url!,
        NAMESPACE: cluster!.namespace,
        METRICS_ENABLED: "false",
        LOG_LEVEL: "warn",
      },
    });

  before(async function () {
    await requireServers(this, "postgres", "redis", "nats");
    if (!serversAreLocal()) this.skip();
    root = mkdtempSync(path.join(os.tmpdir(), "chatlens-ownership-"));
    for (const n of INDEX_NODES) metricsPorts.set(n, await freePort());
    cluster = await startProcessCluster([{ nodeID: "gw", services: "api,auth,ingest,embedder" }]);
    for (const n of INDEX_NODES) await startIndexNode(n);
    const email = `own-${Date.now()}@example.test`;
    token = await poll("sign-up and log-in once the cluster has met", 90_000, async () => {
      const { account } = await signUpAndLogIn(cluster!.baseUrl, { email, password: PASSWORD }, cluster!.outboxDir);
      return account?.accessToken ?? null;
    });
    datasetId = await createDataset(cluster.baseUrl, token);
    await importMore(150);
    owner = (await ownedCompletely(undefined, "the first import indexed")).nodeID as IndexNode;
    other = owner === "idx-1" ? "idx-2" : "idx-1";

    // The other node becomes the owner for a while (the owner stopped), and keeps a copy of the index...
    await cluster.nodes.get(owner)!.stop();
    await ownedCompletely(other, `${other} to take the dataset over while ${owner} is down`);
    // ...that falls behind once the owner is back and a second import is indexed there.
    await startIndexNode(owner);
    await ownedCompletely(owner, `${owner} to own the dataset again`);
    await importMore(150);
    await ownedCompletely(owner, "the second import indexed");
  });

  after(async () => {
    await cluster?.stop();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  afterEach(async function () {
    if (this.currentTest?.state !== "failed" || !cluster) return;
    for (const n of ["gw", ...INDEX_NODES])
      console.log(`--- ${n}\n${cluster.nodes.get(n)?.output().split("\n").slice(-25).join("\n")}`);
  });

  it("after node:drain of the owner, the new owner's first answer holds every stored vector, and the old owner drops the index's metrics", async () => {
    const stored = await storedVectors();
    expect(await indexSeries(owner), "the owner exports the index's series").to.not.deep.equal([]);
    const { stdout } = await operator("node:drain", owner);
    expect(JSON.parse(stdout).stopped).to.include("index");

    const first = await firstAnswerNotFrom(owner);
    expect(first.nodeID).to.equal(other);
    expect(first.index?.count, "vectors the new owner serves right after the drain").to.equal(stored);
    expect(await servedVectors(first.modelId)).to.equal(stored);
    expect(await indexSeries(owner), "series the drained node still exports").to.deep.equal([]);
    // The gauge is set once the new owner has caught up and the registry names it the owner: polled.
    await poll("the new owner's vector gauge", 60_000, async () =>
      (await indexSeries(other)).some((l) => l.startsWith("chatlens_index_vectors{") && l.endsWith(` ${stored}`)),
    );
  });

  it("after kill -9 of the owner, the new owner's first answer holds every stored vector", async () => {
    // The drained node comes back as a fresh process and owns the dataset again; a third import is
    // indexed there, so the other node's copy is behind once more.
    await cluster!.nodes.get(owner)!.stop();
    await startIndexNode(owner);
    await ownedCompletely(owner, `${owner} to own the dataset again`);
    await importMore(150);
    await ownedCompletely(owner, "the third import indexed");
    const stored = await storedVectors();

    cluster!.nodes.get(owner)!.child.kill("SIGKILL");
    const first = await firstAnswerNotFrom(owner);
    expect(first.nodeID).to.equal(other);
    expect(first.index?.count, "vectors the new owner serves right after the kill").to.equal(stored);
    expect(await servedVectors(first.modelId)).to.equal(stored);
  });
});
