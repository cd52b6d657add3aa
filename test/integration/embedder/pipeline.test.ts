import { expect } from "chai";
import { and, eq } from "drizzle-orm";
import { chunkedImports, chunks, embeddings, imports, messages } from "../../../models/schema.ts";
import { bytesToFloat32 } from "../../../lib/vector-codec.ts";
import { CHUNK_CHANNEL } from "../../../services/embedder/channels.ts";
import { chunkingVersion, DEFAULT_CHUNKING } from "../../../services/embedder/chunking.ts";
import { startTestPlatform, type TestPlatform } from "../../helpers/platform.ts";
import {
  chatter,
  collectEvents,
  counts,
  createOrgAndDataset,
  EMBED_TEST_ENV,
  seedImport,
  waitFor,
  waitUntilEmbedded,
} from "./helpers.ts";

describe("embedder: import.completed → chunks → durable embed jobs → vectors (embedded mode)", function () {
  this.timeout(360_000);
  let p: TestPlatform;

  before(async () => {
    p = await startTestPlatform({ services: ["embedder"], env: EMBED_TEST_ENV });
  });
  after(async () => p?.stop());

  it("chunks the import, embeds every chunk once and announces each stored batch", async () => {
    const db = p.database.db;
    const stored = collectEvents<{ orgId: string; datasetId: string; modelId: string; chunkIds: string[] }>(
      p.broker,
      "embeddings.stored",
    );
    const target = await createOrgAndDataset(db);
    const seeded = await seedImport(db, target, [chatter(60, "general"), chatter(30, "random")]);
    await p.broker.emit("import.completed", { ...seeded, messagesAdded: 90 });

    const c = await waitUntilEmbedded(db, target.datasetId);
    expect(c.chunks).to.be.greaterThan(10);
    const rows = await db.select().from(chunks).where(eq(chunks.datasetId, target.datasetId));
    expect(new Set(rows.map((r) => r.chunkingVersion))).to.deep.equal(new Set([chunkingVersion(DEFAULT_CHUNKING)]));
    expect(rows.every((r) => r.orgId === target.orgId)).to.equal(true);

    const vectors = await db.select().from(embeddings).where(eq(embeddings.datasetId, target.datasetId));
    expect(vectors).to.have.length(c.chunks);
    const v = bytesToFloat32(vectors[0]!.vector);
    expect(v.length).to.equal(512);
    expect(vectors[0]!.dimension).to.equal(512);
    expect(Math.hypot(...v)).to.be.closeTo(1, 1e-4);

    await waitFor("events for every vector", async () => stored.flatMap((e) => e.chunkIds).length === c.chunks);
    const announced = stored.flatMap((e) => e.chunkIds);
    expect(new Set(announced).size).to.equal(announced.length);
    expect(
      stored.every((e) => e.orgId === target.orgId && e.datasetId === target.datasetId && e.modelId === "use-lite"),
    ).to.equal(true);
  });

  it("announces a redelivered job's vectors again when they were stored before the announcement", async () => {
    const db = p.database.db;
    const target = await createOrgAndDataset(db);
    const seeded = await seedImport(db, target, [chatter(20, "general")]);
    await p.broker.emit("import.completed", { ...seeded, messagesAdded: 20 });
    await waitUntilEmbedded(db, target.datasetId);
    const ids = (await db.select({ id: chunks.id }).from(chunks).where(eq(chunks.datasetId, target.datasetId))).map(
      (r) => r.id,
    );
    const before = (await db.select().from(embeddings).where(eq(embeddings.datasetId, target.datasetId))).length;

    // The job comes again (its first node died between storing and announcing): nothing is embedded twice,
    // and the stored vectors are announced so the index catches up.
    const stored = collectEvents<{ chunkIds: string[] }>(p.broker, "embeddings.stored");
    const service = p.broker.getLocalService("embedder") as unknown as { handleEmbedJob(job: object): Promise<void> };
    await service.handleEmbedJob({
      orgId: target.orgId,
      datasetId: target.datasetId,
      modelId: "use-lite",
      chunkIds: ids,
    });
    await waitFor("the announcement", async () => stored.length > 0);
    expect(stored.flatMap((e) => e.chunkIds).sort()).to.deep.equal([...ids].sort());
    expect(await db.select().from(embeddings).where(eq(embeddings.datasetId, target.datasetId))).to.have.length(before);
  });

  it("re-chunks only the touched conversations; a message in the middle replaces the chunks around it", async () => {
    const db = p.database.db;
    const target = await createOrgAndDataset(db);
    const first = await seedImport(db, target, [chatter(30, "a"), chatter(30, "b")]);
    await p.broker.emit("import.completed", { ...first, messagesAdded: 60 });
    await waitUntilEmbedded(db, target.datasetId);
    const before = await db.select().from(chunks).where(eq(chunks.datasetId, target.datasetId));
    const [convA, convB] = first.conversationIds;
    const bBefore = before
      .filter((c) => c.conversationId === convB)
      .map((c) => c.id)
      .sort();

    // A later export of conversation a has a message the first one missed, inside the first burst.
    const second = await seedImport(db, target, [
      {
        key: "a",
        messages: [{ text: "wait, which platform does the Lisbon train leave from?", at: 1.5, author: "Linus" }],
      },
    ]);
    const deleted = collectEvents<{ chunkIds: string[] }>(p.broker, "chunks.deleted");
    await p.broker.emit("import.completed", { ...second, messagesAdded: 1 });
    await waitFor("the stale chunk to go", async () => deleted.length > 0);
    await waitUntilEmbedded(db, target.datasetId);

    const after = await db.select().from(chunks).where(eq(chunks.datasetId, target.datasetId));
    expect(
      after
        .filter((c) => c.conversationId === convB)
        .map((c) => c.id)
        .sort(),
    ).to.deep.equal(bBefore);
    const [added] = await db.select({ id: messages.id }).from(messages).where(eq(messages.importId, second.importId));
    const withNew = after.filter((c) => c.messageIds.includes(added!.id));
    expect(withNew).to.have.length(1);
    expect(withNew[0]!.conversationId).to.equal(convA);
    expect(withNew[0]!.text).to.contain("Linus: wait, which platform");
    const removed = deleted.flatMap((d) => d.chunkIds);
    expect(removed.length).to.be.greaterThan(0);
    expect(after.some((c) => removed.includes(c.id))).to.equal(false);
    // Their vectors went with them; every remaining chunk has exactly one.
    const c = await counts(db, target.datasetId);
    expect(c.embedded).to.equal(c.chunks);
  });

  it("handles a job twice without a second vector, and ignores chunks of another org", async () => {
    const db = p.database.db;
    const target = await createOrgAndDataset(db);
    const seeded = await seedImport(db, target, [chatter(12, "dup")]);
    await p.broker.emit("import.completed", { ...seeded, messagesAdded: 12 });
    await waitUntilEmbedded(db, target.datasetId);
    const ids = (await db.select({ id: chunks.id }).from(chunks).where(eq(chunks.datasetId, target.datasetId))).map(
      (r) => r.id,
    );
    await db.delete(embeddings).where(and(eq(embeddings.datasetId, target.datasetId), eq(embeddings.chunkId, ids[0]!)));

    const job = { orgId: target.orgId, datasetId: target.datasetId, modelId: "use-lite", chunkIds: ids };
    const svc = p.broker.getLocalService("embedder") as unknown as { handleEmbedJob(j: typeof job): Promise<void> };
    await Promise.all([svc.handleEmbedJob(job), svc.handleEmbedJob(job), svc.handleEmbedJob(job)]);
    const rows = await db
      .select({ chunkId: embeddings.chunkId })
      .from(embeddings)
      .where(eq(embeddings.datasetId, target.datasetId));
    expect(rows.map((r) => r.chunkId).sort()).to.deep.equal([...ids].sort());

    const other = await createOrgAndDataset(db);
    await db.delete(embeddings).where(eq(embeddings.chunkId, ids[1]!));
    await svc.handleEmbedJob({ ...job, orgId: other.orgId, datasetId: other.datasetId });
    expect((await counts(db, target.datasetId)).embedded).to.equal(ids.length - 1);
  });

  it("asks again for the chunking of an import whose chunk request was lost, once it is overdue (the sweep)", async () => {
    const db = p.database.db;
    // Completed ten minutes ago, never chunked: its import.completed (the only chunk request) never arrived.
    const lost = await seedImport(db, await createOrgAndDataset(db), [chatter(24, "lost")]);
    await db
      .update(imports)
      .set({ messagesAdded: 24, finishedAt: new Date(Date.now() - 10 * 60_000) })
      .where(eq(imports.id, lost.importId));
    // Completed a moment ago: its request may still be on its way, so it is not asked for again.
    const fresh = await seedImport(db, await createOrgAndDataset(db), [chatter(12, "fresh")]);
    await db.update(imports).set({ messagesAdded: 12, finishedAt: new Date() }).where(eq(imports.id, fresh.importId));
    const svc = p.broker.getLocalService("embedder") as unknown as {
      publish(channel: string, payload: unknown): Promise<void>;
    };
    const publish = svc.publish;
    const requested: string[] = [];
    svc.publish = function (channel: string, payload: unknown) {
      if (channel === CHUNK_CHANNEL) requested.push((payload as { importId: string }).importId);
      return publish.call(this, channel, payload);
    };
    try {
      await p.broker.call("embedder.enqueuePending");
    } finally {
      svc.publish = publish;
    }
    expect(requested).to.include(lost.importId);
    expect(requested).to.not.include(fresh.importId);
    await waitUntilEmbedded(db, lost.datasetId);
    const [row] = await db
      .select({ chunkedAt: chunkedImports.chunkedAt })
      .from(chunkedImports)
      .where(eq(chunkedImports.importId, lost.importId));
    expect(row!.chunkedAt).to.be.instanceOf(Date);
  });

  it("re-enqueues pending work found in the database (the sweep)", async () => {
    const db = p.database.db;
    const target = await createOrgAndDataset(db);
    const seeded = await seedImport(db, target, [chatter(24, "sweep")]);
    await p.broker.emit("import.completed", { ...seeded, messagesAdded: 24 });
    await waitUntilEmbedded(db, target.datasetId);
    await db.delete(embeddings).where(eq(embeddings.datasetId, target.datasetId));
    // A node that has not seen this dataset stalled picks it up on its first look.
    const svc = p.broker.getLocalService("embedder") as unknown as { requeue: { forget(id: string): void } };
    svc.requeue.forget(target.datasetId);
    const r = (await p.broker.call("embedder.enqueuePending")) as { datasets: number };
    expect(r.datasets).to.be.at.least(1);
    await waitUntilEmbedded(db, target.datasetId);
  });
});
