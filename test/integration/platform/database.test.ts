import { expect } from "chai";
import { and, desc, eq, sql } from "drizzle-orm";
import { conversations, datasets, embeddings, chunks, messages, orgs } from "../../../models/schema.ts";
import { isolatedDatabase, type DatabaseKind, type IsolatedDatabase } from "../../helpers/database.ts";
import { requireServers } from "../../helpers/servers.ts";

/** The same migrations and queries must behave identically on PGlite and on PostgreSQL. */
for (const kind of ["pglite", "postgres"] as DatabaseKind[]) {
  describe(`database layer on ${kind}`, function () {
    this.timeout(180_000);
    let d: IsolatedDatabase;

    before(async function () {
      if (kind === "postgres") await requireServers(this, "postgres");
      d = await isolatedDatabase(kind);
    });
    after(() => d?.close());

    it("applies every migration", async () => {
      const tables = await d.rows<{ table_name: string }>(
        sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`,
      );
      expect(tables.map((t) => t.table_name)).to.include.members([
        "orgs",
        "users",
        "messages",
        "chunks",
        "embeddings",
        "audit_log",
      ]);
    });

    it("stores chat data, deduplicates by source key and ranks full-text matches", async () => {
      const [org] = await d.db.insert(orgs).values({ name: "Acme" }).returning();
      const [ds] = await d.db
        .insert(datasets)
        .values({ orgId: org.id, name: "team chat", modelId: "use-lite" })
        .returning();
      const [conv] = await d.db
        .insert(conversations)
        .values({ orgId: org.id, datasetId: ds.id, sourceKey: "c1", name: "general", platform: "whatsapp" })
        .returning();
      const base = { orgId: org.id, datasetId: ds.id, conversationId: conv.id, kind: "text" };
      const rows = [
        {
          ...base,
          sourceKey: "m1",
          ts: new Date("2024-01-01T10:00:00Z"),
          text: "We are running the quarterly budget review",
        },
        { ...base, sourceKey: "m2", ts: new Date("2024-01-01T10:01:00Z"), text: "lunch?" },
        {
          ...base,
          sourceKey: "m3",
          ts: new Date("2024-01-01T10:02:00Z"),
          text: "The budget, the budget, always the budget",
        },
      ];
      await d.db.insert(messages).values(rows);
      // Re-importing the same messages adds nothing.
      const again = await d.db.insert(messages).values(rows).onConflictDoNothing().returning({ id: messages.id });
      expect(again).to.have.length(0);

      const q = sql`websearch_to_tsquery('english', ${"budget"})`;
      const hits = await d.db
        .select({ sourceKey: messages.sourceKey, rank: sql<number>`ts_rank(${messages.search}, ${q})` })
        .from(messages)
        .where(and(eq(messages.datasetId, ds.id), sql`${messages.search} @@ ${q}`))
        .orderBy(desc(sql`ts_rank(${messages.search}, ${q})`));
      expect(hits.map((h) => h.sourceKey)).to.deep.equal(["m3", "m1"]);

      // Web-style syntax: a minus excludes.
      const excluded = await d.rows<{ source_key: string }>(
        sql`select source_key from messages where search @@ websearch_to_tsquery('english', 'budget -quarterly')`,
      );
      expect(excluded.map((r) => r.source_key)).to.deep.equal(["m3"]);

      // Stemming: "runs" finds "running".
      const stem = await d.rows<{ n: number }>(
        sql`select count(*)::int as n from messages where search @@ websearch_to_tsquery('english', 'runs')`,
      );
      expect(stem[0].n).to.equal(1);
    });

    it("round-trips vectors as bytea and cascades dataset deletion", async () => {
      const [org] = await d.db.insert(orgs).values({ name: "Vectors" }).returning();
      const [ds] = await d.db.insert(datasets).values({ orgId: org.id, name: "v", modelId: "use-lite" }).returning();
      const [conv] = await d.db
        .insert(conversations)
        .values({ orgId: org.id, datasetId: ds.id, sourceKey: "c", name: "c", platform: "csv" })
        .returning();
      const now = new Date();
      await d.db.insert(chunks).values({
        id: "chunk-1",
        orgId: org.id,
        datasetId: ds.id,
        conversationId: conv.id,
        chunkingVersion: "v1",
        messageIds: [1, 2],
        text: "a: hi\nb: hello",
        startTs: now,
        endTs: now,
      });
      const vector = new Float32Array([0.25, -1.5, 3.125]);
      await d.db.insert(embeddings).values({
        chunkId: "chunk-1",
        modelId: "m",
        datasetId: ds.id,
        orgId: org.id,
        dimension: 3,
        vector: Buffer.from(vector.buffer),
      });
      const [row] = await d.db.select().from(embeddings).where(eq(embeddings.chunkId, "chunk-1"));
      const back = new Float32Array(
        row.vector.buffer.slice(row.vector.byteOffset, row.vector.byteOffset + row.vector.byteLength),
      );
      expect(Array.from(back)).to.deep.equal([0.25, -1.5, 3.125]);

      await d.db.delete(datasets).where(eq(datasets.id, ds.id));
      const left = await d.rows<{ n: number }>(
        sql`select count(*)::int as n from embeddings e join chunks c on c.id = e.chunk_id where c.dataset_id = ${ds.id}`,
      );
      expect(left[0].n).to.equal(0);
      expect(await d.db.select().from(chunks).where(eq(chunks.datasetId, ds.id))).to.have.length(0);
    });

    it("rolls back a failed transaction completely", async () => {
      const before = await d.rows<{ n: number }>(sql`select count(*)::int as n from orgs`);
      try {
        await d.db.transaction(async (tx) => {
          await tx.insert(orgs).values({ name: "ghost" });
          throw new Error("abort");
        });
      } catch {
        /* expected */
      }
      const after = await d.rows<{ n: number }>(sql`select count(*)::int as n from orgs`);
      expect(after[0].n).to.equal(before[0].n);
    });
  });
}
