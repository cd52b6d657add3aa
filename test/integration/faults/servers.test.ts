import { expect } from "chai";
import { signUpAndLogIn } from "../../helpers/accounts.ts";
import { http, type Schema } from "../../helpers/http.ts";
import { PASSWORD } from "../auth/fixtures.ts";
import { createDataset, poll, topicExport, uploadAndWait, waitForIndexed } from "../ops/helpers.ts";
import { startProcessCluster, type ProcessCluster } from "./cluster.ts";
import {
  canStartPrivateServers,
  privateNats,
  privatePostgres,
  privateRedis,
  type Outage,
  type PrivateServer,
} from "./control.ts";

/**
 * A cluster of node processes (gateway + auth + ingest + index on one, the embedder on another)
 * over NATS, Redis and PostgreSQL servers of the test's own (control.ts: fresh instances on free
 * ports), while each server in turn goes away and comes back. The machine's shared servers are
 * never stopped. Every outage is undone in a `finally`, and the servers removed in `after`.
 */
describe("faults: servers going away under a running cluster", function () {
  this.timeout(360_000);
  let cluster: ProcessCluster | undefined;
  let account: { email: string; accessToken: string };
  let datasetId: string;
  let postgres: PrivateServer | undefined;
  let redis: PrivateServer | undefined;
  let nats: PrivateServer | undefined;

  const ready = () => http(cluster!.baseUrl, "GET", "/api/ready");
  const search = (query: string, mode: Schema<"SearchMode"> = "hybrid") =>
    http(cluster!.baseUrl, "POST", "/api/search", { token: account.accessToken, body: { datasetId, query, mode } });

  before(async function () {
    this.timeout(540_000);
    if (!canStartPrivateServers()) {
      const reason =
        "needs initdb/pg_ctl (/usr/lib/postgresql/*/bin), redis-server and nats-server to start private servers";
      if (process.env.CI === "true") throw new Error(`CI=true and this test ${reason}`);
      console.log(`      [skipped: ${reason}]`);
      this.skip();
    }
    [postgres, redis, nats] = await Promise.all([privatePostgres(), privateRedis(), privateNats()]);
    // Embedders first: import.completed is an event, and a node that does not know the embedder yet would emit it to no one.
    cluster = await startProcessCluster(
      [
        { nodeID: "emb-1", services: "embedder" },
        { nodeID: "gw", services: "api,auth,ingest,index" },
      ],
      {},
      { postgres: postgres.url, redis: redis.url, nats: nats.url },
    );
    account = await poll("sign-up once the cluster has met", 90_000, async () => {
      const { account } = await signUpAndLogIn(
        cluster!.baseUrl,
        {
          email: `f-${Date.now()}@example.test`,
          password: PASSWORD,
        },
        cluster!.outboxDir,
      );
      return account ? { email: account.email, accessToken: account.accessToken } : null;
    });
    await poll(
      "the gateway to see the embedder",
      90_000,
      async () => (await http(cluster!.baseUrl, "GET", "/api/models", { token: account.accessToken })).status === 200,
    );
    datasetId = await createDataset(cluster.baseUrl, account.accessToken);
    expect((await uploadAndWait(cluster.baseUrl, account.accessToken, datasetId, topicExport(150))).status).to.equal(
      "completed",
    );
    await waitForIndexed(cluster.baseUrl, account.accessToken, datasetId);
  });
  after(async () => {
    await cluster?.stop();
    for (const server of [postgres, redis, nats]) await server?.destroy();
  });

  it("PostgreSQL restarted: /api/ready answers 503 while it is down, then 200 and requests work without restarting nodes", async () => {
    let outage: Outage | undefined;
    try {
      outage = await postgres!.outage();
      const down = await poll("readiness to report the database down", 45_000, async () => {
        const r = await ready();
        return r.status === 503 ? r : null;
      });
      expect(down.body.checks.database.status).to.equal("down");
    } finally {
      await outage?.restore();
    }
    const up = await poll("readiness to recover", 90_000, async () => {
      const r = await ready();
      return r.status === 200 ? r : null;
    });
    expect(up.body.checks.database.status).to.equal("ok");
    // The pools replaced their dead connections: reads and writes work again.
    const res = await poll("a search to work again", 45_000, async () => {
      const r = await search("leaking pipe", "keyword");
      return r.status === 200 ? r : null;
    });
    expect(res.body.items.length).to.be.greaterThan(0);
    const login = await http(cluster!.baseUrl, "POST", "/api/auth/login", {
      body: { email: account.email, password: PASSWORD },
    });
    expect(login.status, JSON.stringify(login.body)).to.equal(200);
  });

  it("Redis down: requests keep working without the cache; readiness reports the cacher down but stays 200", async () => {
    const before = await search("sushi dinner");
    expect(before.status).to.equal(200);
    let outage: Outage | undefined;
    try {
      outage = await redis!.outage();
      const degraded = await poll("readiness to report the cacher down", 45_000, async () => {
        const r = await ready();
        return r.body?.checks?.cacher?.status === "down" ? r : null;
      });
      expect(degraded.status).to.equal(200);
      expect(degraded.body.checks.database.status).to.equal("ok");
      for (const q of ["sushi dinner", "hiking in the mountains", "vet vaccination"]) {
        const r = await search(q);
        expect(r.status, JSON.stringify(r.body)).to.equal(200);
        expect(r.body.items.length).to.be.greaterThan(0);
      }
      expect((await search("sushi dinner")).body.items).to.deep.equal(before.body.items);
      const datasets = await http(cluster!.baseUrl, "GET", "/api/datasets", { token: account.accessToken });
      expect(datasets.status, JSON.stringify(datasets.body)).to.equal(200);
    } finally {
      await outage?.restore();
    }
    await poll("the cacher to be back", 60_000, async () => (await ready()).body?.checks?.cacher?.status === "ok");
  });

  it("NATS restarted: the nodes reconnect and the import and embedding under way complete", async () => {
    const second = await createDataset(cluster!.baseUrl, account.accessToken, "during the NATS restart");
    expect(
      (await uploadAndWait(cluster!.baseUrl, account.accessToken, second, topicExport(400, Date.UTC(2024, 0, 1))))
        .status,
    ).to.equal("completed");
    let outage: Outage | undefined;
    try {
      // At once, while import.completed's chunking and the embed jobs are in the JetStream channels.
      outage = await nats!.outage();
      const down = await poll("readiness to report the transporter down", 45_000, async () => {
        const r = await ready();
        return r.status === 503 ? r : null;
      });
      expect(down.body.checks.transporter.status).to.equal("down");
      // A restart that takes a while: longer than nats.js's default reconnect budget (10 tries 2 s apart).
      await new Promise((r) => setTimeout(r, 25_000));
    } finally {
      await outage?.restore();
    }
    await poll("readiness to recover after NATS", 90_000, async () => (await ready()).status === 200);
    const status = await waitForIndexed(cluster!.baseUrl, account.accessToken, second, 270_000);
    expect(status.pendingChunks).to.equal(0);
    const r = await http(cluster!.baseUrl, "POST", "/api/search", {
      token: account.accessToken,
      body: { datasetId: second, query: "train to Verona", mode: "semantic" },
    });
    expect(r.status).to.equal(200);
    expect(r.body.items.length).to.be.greaterThan(0);
  });
});
