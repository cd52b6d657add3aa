import { expect } from "chai";
import { eq } from "drizzle-orm";
import { searchLog } from "../../../models/schema.ts";
import { base64ToFloat32 } from "../../../lib/vector-codec.ts";
import { http, httpRaw, type RequestBody, type Schema } from "../../helpers/http.ts";
import type { TestPlatform } from "../../helpers/platform.ts";
import { addMember, signUp, type Account } from "../auth/fixtures.ts";
import { CONVERSATIONS } from "./fixtures.ts";
import { search, seedIndexedDataset, startIndexPlatform, type SearchBody } from "./helpers.ts";

type Item = Schema<"SearchHit">;

const texts = (items: Item[]) => items.map((i) => i.message.text);

describe("index: keyword, semantic and hybrid search over HTTP", function () {
  this.timeout(720_000);
  let p: TestPlatform;
  let a: Account;
  let b: Account;
  let ds: { datasetId: string; conversationIds: string[] };
  let dsB: { datasetId: string };

  before(async () => {
    p = await startIndexPlatform();
    a = await signUp(p);
    b = await signUp(p);
    ds = await seedIndexedDataset(p, a, CONVERSATIONS);
    // Org B holds the very same conversations: any leak would show up as an identical hit.
    dsB = await seedIndexedDataset(p, b, CONVERSATIONS);
  });
  after(async () => p?.stop());

  const run = async (account: Account, body: SearchBody): Promise<Item[]> => {
    const res = await search(p.baseUrl, account.accessToken, body);
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.items;
  };

  it("keyword: finds the message by its words, with highlighted terms, two neighbours each side and the keyword score", async () => {
    const [hit] = await run(a, { datasetId: ds.datasetId, query: "leaking pipe", mode: "keyword" });
    expect(hit!.message.text).to.equal("The plumber found a leaking pipe behind the dishwasher");
    expect(hit!.message.author).to.equal("David");
    const marked = hit!.highlights.map((r) => hit!.message.text.slice(r.start, r.end));
    expect(marked).to.deep.equal(["leaking", "pipe"]);
    expect(hit!.context.before.map((m) => m.text)).to.deep.equal([
      "That is way over our budget of fifteen thousand",
      "We could keep the old cabinets and only replace the worktop",
    ]);
    expect(hit!.context.after.map((m) => m.text)).to.deep.equal([
      "Is the floor underneath damaged?",
      "A bit of mould on the subfloor, he will dry it out before fixing it",
    ]);
    expect(hit!.scores.keyword).to.be.greaterThan(0);
    expect(hit!.scores.semantic).to.equal(undefined);
  });

  it("keyword: web-style syntax (quoted phrase, OR, minus)", async () => {
    const phrase = texts(await run(a, { datasetId: ds.datasetId, query: '"night train"', mode: "keyword" }));
    expect(phrase).to.deep.equal(["I booked the night train from Munich to Verona, it leaves at 22:40"]);
    const either = texts(await run(a, { datasetId: ds.datasetId, query: "zellige OR kibble", mode: "keyword" }));
    expect(either).to.have.members([
      "I like the green zellige tiles for the backsplash",
      "Dry kibble for large breed puppies, four small meals a day",
    ]);
    const without = texts(await run(a, { datasetId: ds.datasetId, query: "puppy -class", mode: "keyword" }));
    expect(without.length).to.be.greaterThan(0);
    expect(without.some((t) => /class/i.test(t))).to.equal(false);
  });

  it("semantic: finds a paraphrase that shares no word with the message, resolved to the best message of its chunk", async () => {
    const items = await run(a, {
      datasetId: ds.datasetId,
      query: "the counter surface was delivered in the wrong size",
      mode: "semantic",
    });
    expect(texts(items.slice(0, 3))).to.include("The worktop arrived but it is two centimetres too short");
    expect(items[0]!.chunkId).to.be.a("string");
    expect(items[0]!.scores.semantic).to.be.within(0, 1);
    expect(items[0]!.scores.keyword).to.equal(undefined);
  });

  it("semantic: marks the query's words where the message shares them", async () => {
    const [hit] = await run(a, { datasetId: ds.datasetId, query: "sleeping bag liner", mode: "semantic" });
    expect(hit!.message.text).to.match(/sleeping bag liner/);
    expect(hit!.highlights.map((r) => hit!.message.text.slice(r.start, r.end))).to.deep.equal([
      "sleeping",
      "bag",
      "liner",
    ]);
  });

  it("hybrid: both scores and a fused one (weighted scores by default, RRF on request)", async () => {
    const weighted = await run(a, { datasetId: ds.datasetId, query: "induction hob circuit", mode: "hybrid" });
    expect(weighted[0]!.message.text).to.match(/induction hob/);
    expect(weighted[0]!.scores.keyword).to.be.greaterThan(0);
    expect(weighted[0]!.scores.semantic).to.be.greaterThan(0);
    // Best in both lists: normalised 1 × weight 1 for meaning, 1 × weight 4 for the words.
    expect(weighted[0]!.scores.fused).to.be.closeTo(5, 1e-9);
    const rrf = await run(a, {
      datasetId: ds.datasetId,
      query: "induction hob circuit",
      mode: "hybrid",
      fusion: "rrf",
      weights: { semantic: 1, keyword: 1 },
    });
    expect(rrf[0]!.message.text).to.match(/induction hob/);
    // Ranked first in both lists with k = 60: 1 / 61 for meaning, 2 / 61 for a keyword hit holding every query word.
    expect(rrf[0]!.scores.fused).to.be.closeTo(3 / 61, 1e-9);
    const k10 = await run(a, {
      datasetId: ds.datasetId,
      query: "induction hob circuit",
      fusion: "rrf",
      weights: { semantic: 1, keyword: 1 },
      k: 10,
    });
    expect(k10[0]!.scores.fused).to.be.closeTo(3 / 11, 1e-9);
  });

  it("filters apply to every mode: conversation, participant, time range, platform, message kind", async () => {
    const kitchen = ds.conversationIds[1]!;
    for (const mode of ["keyword", "semantic", "hybrid"] as const) {
      const items = await run(a, {
        datasetId: ds.datasetId,
        query: "booked tickets",
        mode,
        filters: { conversationIds: [kitchen] },
      });
      expect(
        items.every((i) => i.message.conversationId === kitchen),
        mode,
      ).to.equal(true);
    }
    const all = await run(a, { datasetId: ds.datasetId, query: "puppy", mode: "keyword", pageSize: 50 });
    const nora = all.find((i) => i.message.author === "Nora")!.message.participantId!;
    for (const mode of ["keyword", "semantic", "hybrid"] as const) {
      const items = await run(a, {
        datasetId: ds.datasetId,
        query: "puppy",
        mode,
        filters: { participantIds: [nora] },
      });
      expect(items.length, mode).to.be.greaterThan(0);
      // A chunk qualifies when one of its messages is Nora's; keyword hits are Nora's own messages.
      if (mode === "keyword") expect(items.every((i) => i.message.author === "Nora")).to.equal(true);
    }
    const early = await run(a, {
      datasetId: ds.datasetId,
      query: "train",
      mode: "hybrid",
      filters: { to: "2024-03-01T11:00:00Z" },
    });
    expect(early.every((i) => i.message.ts <= "2024-03-01T11:00:00.000Z" || i.chunkId)).to.equal(true);
    expect(texts(early)).to.not.include("I booked the night train from Munich to Verona, it leaves at 22:40");
    for (const mode of ["keyword", "semantic"] as const) {
      expect(
        await run(a, { datasetId: ds.datasetId, query: "puppy", mode, filters: { platforms: ["telegram"] } }),
        mode,
      ).to.deep.equal([]);
      expect(
        await run(a, { datasetId: ds.datasetId, query: "puppy", mode, filters: { kinds: ["photo"] } }),
        mode,
      ).to.deep.equal([]);
      expect(
        (
          await run(a, {
            datasetId: ds.datasetId,
            query: "puppy",
            mode,
            filters: { platforms: ["generic"], kinds: ["text"] },
          })
        ).length,
      ).to.be.greaterThan(0);
    }
  });

  it("paginates without repeating a hit", async () => {
    // A query close to much of the data: "the" alone is below the similarity floor (nothing close is no result).
    const query = "planning the trip, the kitchen works and the new puppy";
    const first = await search(p.baseUrl, a.accessToken, {
      datasetId: ds.datasetId,
      query,
      mode: "semantic",
      pageSize: 5,
    });
    const second = await search(p.baseUrl, a.accessToken, {
      datasetId: ds.datasetId,
      query,
      mode: "semantic",
      pageSize: 5,
      page: 2,
    });
    expect(first.body.items).to.have.length(5);
    expect(second.body.items).to.have.length(5);
    expect(first.body.hasMore).to.equal(true);
    const ids = [...first.body.items, ...second.body.items].map((i) => i.chunkId);
    expect(new Set(ids).size).to.equal(10);
  });

  it("searches several datasets of the org at once, each hit naming its dataset", async () => {
    const second = await seedIndexedDataset(p, a, [CONVERSATIONS[2]!]);
    const items = await run(a, {
      datasetIds: [ds.datasetId, second.datasetId],
      query: "golden retriever called Biscuit",
      mode: "hybrid",
    });
    const datasetsSeen = new Set(items.filter((i) => /Biscuit/.test(i.message.text)).map((i) => i.datasetId));
    expect([...datasetsSeen].sort()).to.deep.equal([ds.datasetId, second.datasetId].sort());
  });

  it("org isolation: the same query over identical data never returns the other org's messages, even with a forged datasetId", async () => {
    for (const mode of ["keyword", "semantic", "hybrid"] as const) {
      const mine = await run(a, { datasetId: ds.datasetId, query: "kibble", mode, pageSize: 50 });
      expect(mine.length).to.be.greaterThan(0);
      expect(
        mine.every((i) => i.datasetId === ds.datasetId),
        mode,
      ).to.equal(true);
      const theirs = await run(b, { datasetId: dsB.datasetId, query: "kibble", mode, pageSize: 50 });
      expect(
        theirs.every((i) => i.datasetId === dsB.datasetId),
        mode,
      ).to.equal(true);
      const ids = new Set(mine.map((i) => i.message.id));
      expect(
        theirs.some((i) => ids.has(i.message.id)),
        mode,
      ).to.equal(false);
      // B names A's dataset: 404, as if it did not exist; alone or among B's own.
      expect(
        (await search(p.baseUrl, b.accessToken, { datasetId: ds.datasetId, query: "pet food", mode })).status,
      ).to.equal(404);
      expect(
        (await search(p.baseUrl, b.accessToken, { datasetIds: [dsB.datasetId, ds.datasetId], query: "pet food", mode }))
          .status,
      ).to.equal(404);
    }
    // Even an internal call handed another org's dataset id finds nothing of it for this org.
    const vector = (
      await p.broker.call<{ data: string }, object>("embedder.embedBatch", { modelId: "use-lite", texts: ["pet food"] })
    ).data;
    const forged = await p.broker.call<{ hits: unknown[] }, object>("index.vectorSearch", {
      orgId: b.orgId,
      datasetId: ds.datasetId,
      modelId: "use-lite",
      vector,
      k: 10,
    });
    expect(forged.hits).to.deep.equal([]);
  });

  it("records every query in the search log (org, user, mode, filters, latency, result count) and purges by retention", async () => {
    const db = p.database.db;
    await db.delete(searchLog).where(eq(searchLog.orgId, a.orgId));
    await run(a, { datasetId: ds.datasetId, query: "zellige", mode: "keyword", filters: { kinds: ["text"] } });
    await run(a, { datasetId: ds.datasetId, query: "nothing matches xyzzy", mode: "keyword" });
    const rows = await db.select().from(searchLog).where(eq(searchLog.orgId, a.orgId));
    expect(rows).to.have.length(2);
    const zellige = rows.find((r) => r.query === "zellige")!;
    expect(zellige.userId).to.equal(a.userId);
    expect(zellige.mode).to.equal("keyword");
    expect(zellige.datasetIds).to.deep.equal([ds.datasetId]);
    expect(zellige.filters).to.deep.equal({ kinds: ["text"] });
    expect(zellige.resultCount).to.equal(1);
    expect(zellige.latencyMs).to.be.greaterThan(0);
    expect(rows.find((r) => r.query === "nothing matches xyzzy")!.resultCount).to.equal(0);

    await db
      .update(searchLog)
      .set({ createdAt: new Date(Date.now() - 91 * 86_400_000) })
      .where(eq(searchLog.query, "zellige"));
    const purged = await p.broker.call<{ deleted: number }, object>("index.purgeSearchLog", {});
    expect(purged.deleted).to.equal(1);
    expect((await db.select().from(searchLog).where(eq(searchLog.orgId, a.orgId))).map((r) => r.query)).to.deep.equal([
      "nothing matches xyzzy",
    ]);
  });

  describe("search by vector (POST /api/search/vector)", () => {
    const embed = async (account: Account, input: string) => {
      const res = await http(p.baseUrl, "POST", "/v1/embeddings", {
        token: account.accessToken,
        body: { model: "use-lite", input, encoding_format: "base64" },
      });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      return res.body.data[0].embedding as string;
    };
    const byVector = (account: Account | null, body: RequestBody<"POST", "/api/search/vector">) =>
      http(p.baseUrl, "POST", "/api/search/vector", { token: account?.accessToken, body });

    it("a vector from /v1/embeddings finds the chunks semantic search finds, with the same cosine scores, as base64 or as numbers", async () => {
      const query = "the counter surface was delivered in the wrong size";
      const semantic = await run(a, { datasetId: ds.datasetId, query, mode: "semantic", pageSize: 5 });
      const vector = await embed(a, query);
      const res = await byVector(a, { datasetId: ds.datasetId, vector, k: 5 });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      expect(res.body.datasetId).to.equal(ds.datasetId);
      expect(res.body.modelId).to.equal("use-lite");
      const hits = res.body.hits as { chunkId: string; score: number }[];
      expect(hits).to.have.length(5);
      expect(hits[0]!.chunkId).to.equal(semantic[0]!.chunkId);
      expect(hits[0]!.score).to.be.closeTo(semantic[0]!.scores.semantic!, 1e-5);
      expect(hits.map((h) => h.score)).to.deep.equal([...hits.map((h) => h.score)].sort((x, y) => y - x));
      const numbers = Array.from(base64ToFloat32(vector));
      const asNumbers = await byVector(a, { datasetId: ds.datasetId, vector: numbers, k: 5 });
      expect(asNumbers.status).to.equal(200);
      expect(asNumbers.body.hits.map((h) => h.chunkId)).to.deep.equal(hits.map((h) => h.chunkId));
    });

    it("filters, versions and org isolation apply as in search; viewers may use it", async () => {
      const vector = await embed(a, "puppy food");
      const kitchen = ds.conversationIds[1]!;
      const filtered = await byVector(a, {
        datasetId: ds.datasetId,
        vector,
        k: 50,
        filters: { conversationIds: [kitchen] },
      });
      expect(filtered.status).to.equal(200);
      const semantic = await run(a, {
        datasetId: ds.datasetId,
        query: "puppy food",
        mode: "semantic",
        pageSize: 50,
        filters: { conversationIds: [kitchen] },
      });
      // Search leaves out what is below its similarity floor (SEARCH_SEMANTIC_MIN_SCORE, 0.2); the raw vector search does not.
      const close = filtered.body.hits.filter((h) => h.score >= 0.2);
      expect(new Set(close.map((h) => h.chunkId))).to.deep.equal(new Set(semantic.map((i) => i.chunkId)));
      const v1 = await byVector(a, { datasetId: ds.datasetId, vector, version: 1 });
      expect(v1.status, JSON.stringify(v1.body)).to.equal(200);
      expect(v1.body.version).to.equal(1);
      expect((await byVector(a, { datasetId: ds.datasetId, vector, version: 999 })).status).to.equal(404);
      // B's identical data answers B's own chunk ids; A's dataset is 404 to B.
      const mine = new Set(
        (await byVector(a, { datasetId: ds.datasetId, vector, k: 50 })).body.hits.map((h) => h.chunkId),
      );
      const theirs = await byVector(b, { datasetId: dsB.datasetId, vector, k: 50 });
      expect(theirs.status).to.equal(200);
      expect(theirs.body.hits.some((h) => mine.has(h.chunkId))).to.equal(false);
      expect((await byVector(b, { datasetId: ds.datasetId, vector })).status).to.equal(404);
      const viewer = await addMember(p, a, "viewer");
      expect((await byVector(viewer, { datasetId: ds.datasetId, vector })).status).to.equal(200);
    });

    it("bad input: 422 with the field for a wrong dimension, bad base64, non-finite values or unknown fields; 401 anonymous", async () => {
      const vector = await embed(a, "tiles");
      const check = async (body: Record<string, unknown>, field: string) => {
        const res = await httpRaw(p.baseUrl, "POST", "/api/search/vector", {
          token: a.accessToken,
          body: { datasetId: ds.datasetId, ...body },
        });
        expect(res.status, JSON.stringify(res.body)).to.equal(422);
        expect(res.error.code).to.equal("VALIDATION_ERROR");
        expect(JSON.stringify(res.error)).to.contain(field);
      };
      await check({ vector: [0.1, 0.2, 0.3] }, "vector");
      const short = Buffer.from(new Float32Array(384).fill(0.1).buffer).toString("base64");
      const wrong = await byVector(a, { datasetId: ds.datasetId, vector: short });
      expect(wrong.error.message).to.match(/384 dimensions.*512/);
      await check({ vector: "abc" }, "vector");
      await check({ vector: "not base64!" }, "vector");
      await check({ vector: Buffer.from(new Float32Array(512).fill(Number.NaN).buffer).toString("base64") }, "vector");
      await check({ vector: [] }, "vector");
      await check({ vector, k: 0 }, "k");
      await check({ vector, query: "tiles" }, "query");
      expect((await byVector(null, { datasetId: ds.datasetId, vector })).status).to.equal(401);
    });
  });

  it("bad input: 422 for an unknown mode, an empty query, unknown fields or both dataset forms; 404 another org's; 401 anonymous; viewers may search", async () => {
    const body = { datasetId: ds.datasetId, query: "tiles" };
    const status = async (b2: Record<string, unknown>, token: string | null = a.accessToken) =>
      (await httpRaw(p.baseUrl, "POST", "/api/search", { token: token ?? undefined, body: b2 })).status;
    expect(await status({ ...body, mode: "fuzzy" })).to.equal(422);
    expect(await status({ ...body, query: "" })).to.equal(422);
    expect(await status({ ...body, query: "   " })).to.equal(422);
    expect(await status({ ...body, fusion: "max" })).to.equal(422);
    expect(await status({ ...body, pageSize: 1000 })).to.equal(422);
    expect(await status({ ...body, filters: { colour: "red" } })).to.equal(422);
    expect(await status({ ...body, extra: 1 })).to.equal(422);
    expect(await status({ query: "tiles" })).to.equal(422);
    expect(await status({ ...body, datasetIds: [ds.datasetId] })).to.equal(422);
    expect(await status({ ...body, datasetId: "not-a-uuid" })).to.equal(422);
    expect(await status({ ...body, datasetId: "00000000-0000-4000-8000-000000000000" })).to.equal(404);
    expect(await status(body, b.accessToken)).to.equal(404);
    expect(await status(body, null)).to.equal(401);
    const viewer = await addMember(p, a, "viewer");
    expect(await status(body, viewer.accessToken)).to.equal(200);
  });
});
