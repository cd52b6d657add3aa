import { expect } from "chai";
import { sql } from "drizzle-orm";
import { connect } from "nats";
import { isolatedDatabase, type IsolatedDatabase } from "../../helpers/database.ts";
import { nodeIds, startTestPlatform, type TestPlatform } from "../../helpers/platform.ts";
import { requireServers, SERVERS } from "../../helpers/servers.ts";
import {
  chatter,
  collectEvents,
  counts,
  createOrgAndDataset,
  EMBED_TEST_ENV,
  listenersKnown,
  seedImport,
  slowDown,
  waitFor,
  waitUntilEmbedded,
} from "./helpers.ts";

/** JetStream stream names of a namespace (the channels adapter prefixes channels with it). */
async function streamsOf(namespace: string): Promise<string[]> {
  const nc = await connect({ servers: SERVERS.nats.url });
  try {
    const jsm = await nc.jetstreamManager();
    return (await jsm.streams.names().next()).filter((n) => n.startsWith(`${namespace}_`));
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

describe("embedder over NATS JetStream (cluster mode, real nats-server)", function () {
  this.timeout(540_000);
  const namespace = `cl-embed-${process.pid}-${Date.now()}`;
  let database: IsolatedDatabase;
  const nodes = new Map<string, TestPlatform>();

  const start = async (nodeID: string) => {
    const p = await startTestPlatform({
      services: ["embedder"],
      database,
      nodeID,
      env: { ...EMBED_TEST_ENV, NAMESPACE: namespace, TRANSPORTER: SERVERS.nats.url, EMBEDDER_GPU: "false" },
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

  it("runs chunk and embed jobs on durable JetStream streams of its namespace, with two nodes consuming them", async () => {
    const a = await start("js-embedder-a");
    const b = await start("js-embedder-b");
    await waitFor(
      "discovery",
      async () => nodeIds(a.broker).includes("js-embedder-b") && nodeIds(b.broker).includes("js-embedder-a"),
    );
    expect((await streamsOf(namespace)).sort()).to.deep.equal([`${namespace}_embed_chunk`, `${namespace}_embed_jobs`]);

    const db = database.db;
    const storedA = collectEvents<{ chunkIds: string[] }>([a.broker, b.broker], "embeddings.stored");
    await listenersKnown([a.broker, b.broker], storedA);
    const target = await createOrgAndDataset(db);
    const seeded = await seedImport(db, target, [chatter(90, "js")]);
    await a.broker.emit("import.completed", { ...seeded, messagesAdded: 90 });
    const c = await waitUntilEmbedded(db, target.datasetId);
    await waitFor("stored events", async () => storedA.flatMap((e) => e.chunkIds).length === c.chunks);
    expect(new Set(storedA.flatMap((e) => e.chunkIds)).size).to.equal(c.chunks);
  });

  it("survives a node stopped mid-dataset: the other node and a new one finish it, one vector per chunk", async () => {
    const db = database.db;
    const a = nodes.get("js-embedder-a")!;
    slowDown(a.broker, 400);
    slowDown(nodes.get("js-embedder-b")!.broker, 400);
    const target = await createOrgAndDataset(db);
    const seeded = await seedImport(db, target, [chatter(300, "js-restart")]);
    const stored = collectEvents<{ chunkIds: string[] }>(a.broker, "embeddings.stored");
    await listenersKnown([a.broker, nodes.get("js-embedder-b")!.broker], stored);
    await a.broker.emit("import.completed", { ...seeded, messagesAdded: 300 });
    await waitFor("some stored batches", async () => stored.length >= 2);

    await a.stop();
    nodes.delete("js-embedder-a");
    const mid = await counts(db, target.datasetId);
    expect(mid.embedded).to.be.lessThan(mid.chunks);
    await start("js-embedder-c");

    const done = await waitUntilEmbedded(db, target.datasetId, 360_000);
    expect(done.embedded).to.equal(done.chunks);
    const rows = await database.rows<{ n: string }>(
      sql`select count(*) as n from chunks c where c.dataset_id = ${target.datasetId}
        and (select count(*) from embeddings e where e.chunk_id = c.id) <> 1`,
    );
    expect(Number(rows[0]!.n)).to.equal(0);
  });
});
