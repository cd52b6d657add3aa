import { expect } from "chai";
import { eq } from "drizzle-orm";
import { conversations, participants } from "../../../models/schema.ts";
import { rechunkConversation } from "../../../services/embedder/chunk-store.ts";
import { allowedChunks, chunksOfMessagesInMemory, loadChunkSpans } from "../../../services/index/chunk-spans.ts";
import { KeywordStore } from "../../../services/index/keyword/keyword-store.ts";
import {
  allowedChunkIds,
  chunkMessages,
  chunksOfMessages,
  type SearchFilters,
} from "../../../services/index/search-sql.ts";
import { seededRandom } from "../../../services/cluster/random.ts";
import { isolatedDatabase, type IsolatedDatabase } from "../../helpers/database.ts";
import { createOrgAndDataset, seedImport, type SeedMessage } from "../embedder/helpers.ts";

const AUTHORS = Array.from({ length: 12 }, (_, i) => `Person ${i} ${["🌍", "Zoë", "Jürgen", "Ana"][i % 4]}`);

/** A conversation in bursts and silences, with photos, system notices, deleted and blank messages among the texts. */
function conversation(key: string, n: number, seed: number): { key: string; messages: SeedMessage[] } {
  const random = seededRandom(seed);
  const messages: SeedMessage[] = [];
  let at = 0;
  for (let i = 0; i < n; i++) {
    at += random() < 0.05 ? 60 * 24 * (1 + Math.floor(random() * 20)) : 1 + Math.floor(random() * 5);
    const r = random();
    const kind = r < 0.05 ? "photo" : r < 0.08 ? "system" : r < 0.1 ? "deleted" : "text";
    const text =
      kind === "system"
        ? "Ana joined"
        : r < 0.11
          ? "   "
          : `message ${i} about ${["trains", "pizza", "the beach", "a bug"][i % 4]} 🎉`;
    messages.push({ at, author: AUTHORS[Math.floor(random() * AUTHORS.length)], kind, text });
  }
  return { key, messages };
}

/**
 * The in-memory allow-list of a filtered vector search (chunk-spans.ts) must pick exactly the
 * chunks the SQL definition picks — "a chunk holding at least one message that passes" — on a
 * realistic chat: several conversations, a dozen authors, media, system notices, deleted and
 * blank messages (which no chunk holds), months of bursts and silences.
 */
describe("index: the filtered search's allow-list in memory equals the SQL one", function () {
  this.timeout(300_000);
  let database: IsolatedDatabase;
  let target: { orgId: string; datasetId: string };
  let conversationIds: string[];
  let people: { id: string; sourceKey: string }[];

  before(async function () {
    this.timeout(600_000);
    database = await isolatedDatabase("pglite");
    const db = database.db;
    target = await createOrgAndDataset(db);
    const seeded = await seedImport(db, target, [
      conversation("family", 4000, 1),
      conversation("work", 3000, 2),
      conversation("club", 2000, 3),
    ]);
    conversationIds = seeded.conversationIds;
    await db.update(conversations).set({ platform: "telegram" }).where(eq(conversations.id, conversationIds[2]!));
    for (const id of conversationIds) await rechunkConversation(db, target.orgId, target.datasetId, id);
    people = await db
      .select({ id: participants.id, sourceKey: participants.sourceKey })
      .from(participants)
      .where(eq(participants.datasetId, target.datasetId));
  });
  after(async () => database?.close());

  const store = () =>
    new KeywordStore(database.db, {
      params: { k1: 1.2, b: 0.75 },
      windowMessages: 40,
      windowGapMinutes: 30,
      language: "en",
      maxDatasets: 2,
    });

  it("selects the same chunks for person, kind, time, conversation and platform filters and their combinations", async () => {
    const [keywords] = await store().get([target.datasetId]);
    const spans = await loadChunkSpans(database.db, target.datasetId, "test");
    expect(spans.ids.length).to.be.greaterThan(200);
    const start = new Date("2024-03-01T10:00:00Z").getTime();
    const day = 24 * 3_600_000;
    const cases: SearchFilters[] = [
      { participantIds: [people[0]!.id] },
      { participantIds: [people[1]!.id, people[2]!.id] },
      { kinds: ["photo"] },
      { kinds: ["system"] },
      { from: new Date(start + 30 * day), to: new Date(start + 90 * day) },
      { from: new Date(start + 400 * day) },
      { conversationIds: [conversationIds[1]!] },
      { platforms: ["telegram"] },
      {
        participantIds: [people[3]!.id],
        from: new Date(start + 10 * day),
        to: new Date(start + 200 * day),
        kinds: ["text"],
      },
      { participantIds: ["00000000-0000-4000-8000-000000000000"] },
    ];
    for (const f of cases) {
      const sqlIds = (await allowedChunkIds(database.db, target, f)).sort();
      const { allowed, unknown } = allowedChunks(keywords!, spans, keywords!.filter(f)!);
      expect(unknown, JSON.stringify(f)).to.deep.equal([]);
      expect(allowed.sort(), JSON.stringify(f)).to.deep.equal(sqlIds);
    }
  });

  it("finds the chunk of a message in memory as the database does, and none for messages no chunk holds", async () => {
    const [keywords] = await store().get([target.datasetId]);
    const spans = await loadChunkSpans(database.db, target.datasetId, "test");
    const ids = Array.from(keywords!.ids).filter((_, i) => i % 7 === 0);
    const fromSql = await chunksOfMessages(database.db, target.orgId, ids);
    const { found, missing } = chunksOfMessagesInMemory(keywords!, spans, ids);
    expect(missing.length, "messages without a chunk (system, deleted, blank)").to.be.greaterThan(0);
    expect([...found.keys()].sort()).to.deep.equal([...fromSql.keys()].sort());
    expect(missing.every((id) => !fromSql.has(id))).to.equal(true);
    // A message in the overlap of two chunks may be given either; each must list it.
    const listed = await chunkMessages(database.db, target.orgId, [
      ...new Set([...found.values(), ...fromSql.values()]),
    ]);
    for (const [id, chunk] of [...found, ...fromSql])
      expect(listed.get(chunk)!.messageIds, `message ${id}`).to.include(id);
  });

  it("names the chunks whose messages the keyword index does not hold yet, and SQL answers for those alone", async () => {
    const [old] = await store().get([target.datasetId]);
    const late = await seedImport(database.db, target, [conversation("late", 300, 4)]);
    await rechunkConversation(database.db, target.orgId, target.datasetId, late.conversationIds[0]!);
    const spans = await loadChunkSpans(database.db, target.datasetId, "after");
    const f: SearchFilters = { kinds: ["text"] };
    const { allowed, unknown } = allowedChunks(old!, spans, old!.filter(f)!);
    expect(unknown.length).to.be.greaterThan(0);
    const fromSql = await allowedChunkIds(database.db, target, f, unknown);
    expect([...allowed, ...fromSql].sort()).to.deep.equal((await allowedChunkIds(database.db, target, f)).sort());
  });
});
