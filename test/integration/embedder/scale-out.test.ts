import { expect } from "chai";
import { sql } from "drizzle-orm";
import type { ServiceBroker } from "moleculer";
import { connect } from "nats";
import { isolatedDatabase, type IsolatedDatabase } from "../../helpers/database.ts";
import { nodeIds, startTestPlatform, type TestPlatform } from "../../helpers/platform.ts";
import { requireServers, SERVERS } from "../../helpers/servers.ts";
import {
  chatter,
  counts,
  createOrgAndDataset,
  EMBED_TEST_ENV,
  seedImport,
  slowDown,
  waitFor,
  waitUntilEmbedded,
} from "./helpers.ts";

/** The jobs stream and its consumer group as JetStream reports them. */
const jobsQueue = (namespace: string) => queue(`${namespace}_embed_jobs`);
const chunkQueue = (namespace: string) => queue(`${namespace}_embed_chunk`);

async function queue(stream: string) {
  const nc = await connect({ servers: SERVERS.nats.url });
  try {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(stream);
    const [consumer] = await jsm.consumers.list(stream).next();
    return { published: info.state.last_seq, stored: info.state.messages, inFlight: consumer?.num_ack_pending ?? 0 };
  } finally {
    await nc.close();
  }
}

async function deleteStreams(namespace: string): Promise<void> {
  const nc = await connect({ servers: SERVERS.nats.url });
  try {
    const jsm = await nc.jetstreamManager();
    for (const name of (await jsm.streams.names().next()).filter((n) => n.startsWith(`${namespace}_`)))
      await jsm.streams.delete(name);
  } finally {
    await nc.close();
  }
}

/** Job messages a node is handling now (the channel adapter's count for the jobs channel). */
function handling(broker: ServiceBroker, namespace: string): number {
  const adapter = (broker as unknown as { channelAdapter: { activeMessages: Map<string, unknown[]> } }).channelAdapter;
  let n = 0;
  for (const [id, list] of adapter.activeMessages) if (id.includes(`${namespace}.embed.jobs`)) n += list.length;
  return n;
}

/**
 * Embedding scales with embedder nodes (issue 16 point 4): each node takes at most its own
 * number of jobs at once (EMBED_CONCURRENCY, at least 2), so three nodes have three times the
 * jobs in flight (the old JetStream consumer allowed 2 for the whole cluster); each dataset's
 * work is queued once, however many nodes sweep for pending work; a node that dies holding jobs
 * has them redelivered to the others after EMBED_ACK_WAIT_S.
 */
describe("embedder scale-out over NATS JetStream (real nats-server)", function () {
  this.timeout(600_000);
  const namespace = `cl-scale-${process.pid}-${Date.now()}`;
  const PER_NODE = 2;
  let database: IsolatedDatabase;
  const nodes = new Map<string, TestPlatform>();

  const start = async (nodeID: string) => {
    const p = await startTestPlatform({
      services: ["embedder"],
      database,
      nodeID,
      env: {
        ...EMBED_TEST_ENV,
        NAMESPACE: namespace,
        TRANSPORTER: SERVERS.nats.url,
        EMBEDDER_GPU: "false",
        EMBED_CONCURRENCY: String(PER_NODE),
        EMBED_ACK_WAIT_S: "10",
      },
    });
    nodes.set(nodeID, p);
    return p;
  };

  before(async function () {
    await requireServers(this, "nats");
    database = await isolatedDatabase();
  });
  after(async () => {
    for (const n of nodes.values()) await n.stop().catch(() => undefined);
    await database?.close();
    await deleteStreams(namespace).catch(() => undefined);
  });

  it("three nodes hold up to their own limit each, all three embed, and each dataset's jobs are queued once", async () => {
    const ids = ["scale-a", "scale-b", "scale-c"];
    for (const id of ids) await start(id);
    const brokers = ids.map((id) => nodes.get(id)!.broker);
    await waitFor("discovery", async () => brokers.every((b) => ids.every((id) => nodeIds(b).includes(id))));
    // Slow batches: the queue stays ahead of the nodes, so each is as busy as it may be.
    for (const b of brokers) slowDown(b, 300);

    const db = database.db;
    const target = await createOrgAndDataset(db);
    const seeded = await seedImport(db, target, [chatter(600, "scale")]);
    await brokers[0]!.emit("import.completed", { ...seeded, messagesAdded: 600 });

    // Sampled while the work runs: per node never past its limit; the cluster past the old cap of 2.
    const busiest = new Map<string, number>(ids.map((id) => [id, 0]));
    let clusterMax = 0;
    const sampler = setInterval(() => {
      ids.forEach((id, i) => busiest.set(id, Math.max(busiest.get(id)!, handling(brokers[i]!, namespace))));
    }, 20);
    try {
      await waitFor("every node to be handling jobs at once", async () => {
        const q = await jobsQueue(namespace).catch(() => null);
        if (q) clusterMax = Math.max(clusterMax, q.inFlight);
        return clusterMax > 2 && [...busiest.values()].every((n) => n > 0);
      });
      // Every node sweeps for pending work now (as its timer does): nothing is queued a second time.
      // (Once the import is chunked: the chunk request acknowledged, every job of the chunking published.)
      await waitFor("the import chunked", async () => {
        const chunking = await chunkQueue(namespace);
        return chunking.stored === 0 && chunking.inFlight === 0;
      });
      const before = await jobsQueue(namespace);
      for (const b of brokers) await b.call("embedder.enqueuePending");
      expect((await jobsQueue(namespace)).published, "jobs published by the sweeps of three nodes").to.equal(
        before.published,
      );
      await waitUntilEmbedded(db, target.datasetId, 400_000);
    } finally {
      clearInterval(sampler);
    }
    for (const [id, n] of busiest) expect(n, `jobs ${id} handled at once`).to.be.within(1, PER_NODE);
    expect(clusterMax).to.be.within(3, ids.length * PER_NODE);
    const { chunks } = await counts(db, target.datasetId);
    const q = await jobsQueue(namespace);
    // Jobs of EMBED_BATCH_CHUNKS chunks: with nothing queued twice, no more than one job per 8 chunks plus one per chunking batch.
    expect(q.published).to.be.at.most(Math.ceil(chunks / 8) + 10);
    expect(q.stored).to.equal(0);
  });

  it("a node that dies holding jobs: the others get them after the ack wait, and every chunk has one vector", async () => {
    const db = database.db;
    const victim = nodes.get("scale-a")!;
    // The victim's batches never finish: it holds its jobs until it dies.
    slowDown(victim.broker, 3_600_000);
    const target = await createOrgAndDataset(db);
    const seeded = await seedImport(db, target, [chatter(300, "victim")]);
    await victim.broker.emit("import.completed", { ...seeded, messagesAdded: 300 });
    await waitFor("the victim to hold jobs", async () => handling(victim.broker, namespace) === PER_NODE);

    // Dies: its connection to NATS goes without a word (no ack, no nak), as with kill -9.
    const adapter = (victim.broker as unknown as { channelAdapter: { connection: { close(): Promise<void> } } })
      .channelAdapter;
    await adapter.connection.close();
    // Its jobs come back to the stream after the ack wait and the other nodes embed them.
    const done = await waitUntilEmbedded(db, target.datasetId, 400_000);
    expect(done.embedded).to.equal(done.chunks);
    const rows = await database.rows<{ n: string }>(
      sql`select count(*) as n from chunks c where c.dataset_id = ${target.datasetId}
        and (select count(*) from embeddings e where e.chunk_id = c.id) <> 1`,
    );
    expect(Number(rows[0]!.n)).to.equal(0);
    nodes.delete("scale-a");
    // Its broker still runs with handlers that never end; stopping it is not part of the test.
    void victim.stop().catch(() => undefined);
  });
});
