import { expect } from "chai";
import { eq, sql } from "drizzle-orm";
import { chunks } from "../../../models/schema.ts";
import { isolatedDatabase, type IsolatedDatabase } from "../../helpers/database.ts";
import { startTestPlatform, type TestPlatform } from "../../helpers/platform.ts";
import {
  chatter,
  collectEvents,
  counts,
  createOrgAndDataset,
  EMBED_TEST_ENV,
  seedImport,
  slowDown,
  waitFor,
  waitUntilEmbedded,
} from "./helpers.ts";

describe("embedder: a node stopped in the middle of a dataset, another started on the same database", function () {
  this.timeout(360_000);
  let database: IsolatedDatabase;
  const nodes: TestPlatform[] = [];

  before(async () => {
    database = await isolatedDatabase();
  });
  after(async () => {
    for (const n of nodes) await n.stop().catch(() => undefined);
    await database?.close();
  });

  it("finishes the work, and every chunk has exactly one vector", async () => {
    const first = await startTestPlatform({
      services: ["embedder"],
      env: EMBED_TEST_ENV,
      database,
      nodeID: "embedder-1",
    });
    nodes.push(first);
    slowDown(first.broker, 150);
    const db = database.db;
    const target = await createOrgAndDataset(db);
    const seeded = await seedImport(db, target, [chatter(120, "long"), chatter(60, "other")]);
    const stored = collectEvents<{ chunkIds: string[] }>(first.broker, "embeddings.stored");
    await first.broker.emit("import.completed", { ...seeded, messagesAdded: 180 });

    await waitFor("a few stored batches", async () => stored.length >= 2);
    await first.stop();
    const mid = await counts(db, target.datasetId);
    expect(mid.embedded, "stopped mid-way").to.be.greaterThan(0);
    expect(mid.embedded, "stopped mid-way").to.be.lessThan(mid.chunks);

    const second = await startTestPlatform({
      services: ["embedder"],
      env: EMBED_TEST_ENV,
      database,
      nodeID: "embedder-2",
    });
    nodes.push(second);
    const done = await waitUntilEmbedded(db, target.datasetId);
    expect(done.embedded).to.equal(mid.chunks);

    const rows = await database.rows<{ chunk_id: string; n: string }>(
      sql`select c.id as chunk_id, count(e.chunk_id) as n from chunks c left join embeddings e on e.chunk_id = c.id
          where c.dataset_id = ${target.datasetId} group by c.id`,
    );
    expect(rows).to.have.length(mid.chunks);
    expect(rows.every((r) => Number(r.n) === 1)).to.equal(true);
    const all = await db.select({ id: chunks.id }).from(chunks).where(eq(chunks.datasetId, target.datasetId));
    expect(all).to.have.length(mid.chunks);
  });
});
