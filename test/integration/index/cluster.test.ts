import { expect } from "chai";
import { access } from "node:fs/promises";
import { indexDir } from "../../../services/index/index-key.ts";
import { startFakeCluster } from "../../helpers/platform.ts";
import { signUp, type Account } from "../auth/fixtures.ts";
import { waitFor } from "../embedder/helpers.ts";
import { CONVERSATIONS } from "./fixtures.ts";
import { http } from "../../helpers/http.ts";
import { INDEX_TEST_ENV, search, seedIndexedDataset } from "./helpers.ts";

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

describe("index: two index nodes shard datasets (Fake transporter)", function () {
  this.timeout(900_000);
  let cluster: Awaited<ReturnType<typeof startFakeCluster>>;
  let a: Account;

  before(async () => {
    cluster = await startFakeCluster(
      [
        { nodeID: "gateway", services: ["api", "auth", "ingest", "embedder"] },
        { nodeID: "index-1", services: ["index"] },
        { nodeID: "index-2", services: ["index"] },
      ],
      { env: INDEX_TEST_ENV },
    );
    a = await signUp(cluster.node("gateway"));
  });
  after(async () => cluster?.stop());

  it("each dataset's index lives on exactly one node, datasets spread over both, and search works from the gateway for all", async () => {
    const gateway = cluster.node("gateway");
    const indexNodes = [cluster.node("index-1"), cluster.node("index-2")];
    const owners = new Map<string, string>();
    // Ownership is a hash of the dataset id: add datasets until both nodes own one (two or three in practice).
    for (let i = 0; i < 12 && new Set(owners.values()).size < 2; i++) {
      const conv = CONVERSATIONS[i % CONVERSATIONS.length]!;
      const { datasetId } = await seedIndexedDataset(gateway, a, [conv]);
      const holders: string[] = [];
      for (const node of indexNodes)
        if (await exists(indexDir(node.config.indexDir, { datasetId, modelId: "use-lite" })))
          holders.push(node.broker.nodeID);
      expect(holders, `dataset ${datasetId}`).to.have.length(1);
      const status = await gateway.broker.call<{ nodeID: string }, object>("index.manage", {
        orgId: a.orgId,
        datasetId,
        modelId: "use-lite",
        op: "status",
      });
      // Shard routing agrees with where the files are, whichever node the call started from.
      expect(status.nodeID).to.equal(holders[0]);
      owners.set(datasetId, holders[0]!);
    }
    expect(new Set(owners.values()).size).to.equal(2);

    for (const datasetId of owners.keys()) {
      for (const mode of ["semantic", "hybrid"] as const) {
        const res = await search(gateway.baseUrl, a.accessToken, { datasetId, query: "what are we planning", mode });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        expect(res.body.items.length).to.be.greaterThan(0);
        expect(res.body.items.every((i) => i.datasetId === datasetId)).to.equal(true);
      }
      // Search by vector reaches the owner too, whichever index node takes the call (the owner runs it
      // in place, another node forwards it): the same chunks as the semantic search's.
      const embedded = await http(gateway.baseUrl, "POST", "/v1/embeddings", {
        token: a.accessToken,
        body: { input: "what are we planning", model: "use-lite", encoding_format: "base64" },
      });
      const byVector = await http(gateway.baseUrl, "POST", "/api/search/vector", {
        token: a.accessToken,
        body: { datasetId, vector: embedded.body.data[0].embedding, k: 3 },
      });
      expect(byVector.status, JSON.stringify(byVector.body)).to.equal(200);
      const semantic = await search(gateway.baseUrl, a.accessToken, {
        datasetId,
        query: "what are we planning",
        mode: "semantic",
        pageSize: 3,
      });
      // Semantic search drops contentless hits and merges overlapping windows of one conversation,
      // so its list can be shorter than the raw nearest chunks, never holding a chunk they lack.
      const nearest = byVector.body.hits.map((h) => h.chunkId);
      const shown = semantic.body.items.map((i) => i.chunkId);
      expect(shown.length).to.be.greaterThan(0);
      expect(nearest).to.include.members(shown);
    }
    const all = await search(gateway.baseUrl, a.accessToken, {
      datasetIds: [...owners.keys()],
      query: "puppy vet appointment",
      mode: "hybrid",
      pageSize: 50,
    });
    expect(all.status).to.equal(200);

    // dataset.deleted reaches every index node; the owner's files go.
    const [victim, owner] = [...owners.entries()][0]!;
    await gateway.broker.emit("dataset.deleted", { orgId: a.orgId, datasetId: victim });
    const ownerNode = indexNodes.find((n) => n.broker.nodeID === owner)!;
    await waitFor(
      "the files to go",
      async () => !(await exists(indexDir(ownerNode.config.indexDir, { datasetId: victim, modelId: "use-lite" }))),
    );
  });
});
