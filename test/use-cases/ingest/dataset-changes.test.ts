import { expect } from "chai";
import { count, eq } from "drizzle-orm";
import { chunks, conversations, datasets, imports, messages, orgs } from "../../../models/schema.ts";
import { changeDataset, removeDataset, type DatasetAnnouncer } from "../../../services/ingest/dataset-changes.ts";
import { addChunks, createChatDataset, type ChatFixture } from "../../helpers/chat-fixtures.ts";
import { isolatedDatabase, type IsolatedDatabase } from "../../helpers/database.ts";

const CHAT = [
  { conversation: "Familie 👪", author: "Oma", at: "2024-05-01T07:00:00Z", text: "Guten Morgen ihr Lieben" },
  { conversation: "Familie 👪", author: "Jan", at: "2024-05-01T07:05:00+02:00", text: "Morgen! ☕" },
  { conversation: "Work", author: "Jan", at: "2024-05-02T09:00:00Z", text: "standup in 5" },
];

/** Records what the use cases announce; `fail` makes the next announcement throw. */
class Announcements implements DatasetAnnouncer {
  heard: string[] = [];
  fail?: Error;
  async keywordLanguageChanged(e: { orgId: string; datasetId: string }) {
    this.heard.push(`keywordLanguageChanged ${e.orgId} ${e.datasetId}`);
    if (this.fail) throw this.fail;
  }
  async deleted(e: { orgId: string; datasetId: string; name: string }) {
    this.heard.push(`deleted ${e.orgId} ${e.datasetId} ${e.name}`);
    if (this.fail) throw this.fail;
  }
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { type?: string }).type ?? String(err);
  }
  return "no error";
}

describe("ingest use cases: dataset changes (rename, keyword language, delete)", function () {
  this.timeout(60_000);
  let d: IsolatedDatabase;
  let fx: ChatFixture;
  let otherOrg: string;
  let announce: Announcements;
  before(async () => {
    d = await isolatedDatabase("pglite");
    [{ id: otherOrg }] = (await d.db.insert(orgs).values({ name: "someone else" }).returning({ id: orgs.id })) as [
      { id: string },
    ];
  });
  after(async () => d?.close());
  beforeEach(async () => {
    fx = await createChatDataset(d.db, { name: "Familie & Arbeit", messages: CHAT });
    announce = new Announcements();
  });

  it("renames and describes without announcing anything; the view carries the counts", async () => {
    const view = await changeDataset(d.db, announce, fx.orgId, fx.datasetId, {
      name: "  <script>alert(1)</script> Ferien 🏖 ",
      description: "x".repeat(2000),
    });
    // Stored as given: escaping is the renderer's job, and nothing here trims.
    expect(view.name).to.equal("  <script>alert(1)</script> Ferien 🏖 ");
    expect(view.description).to.have.length(2000);
    expect(view).to.deep.include({ messageCount: 3, conversationCount: 2, participantCount: 2 });
    expect(view.firstMessageAt).to.equal("2024-05-01T05:05:00.000Z");
    expect(view).to.not.have.property("orgId");
    expect(announce.heard).to.deep.equal([]);
  });

  it("announces a keyword-language change once, and not when the language stays", async () => {
    await changeDataset(d.db, announce, fx.orgId, fx.datasetId, { keywordLanguage: "de" });
    await changeDataset(d.db, announce, fx.orgId, fx.datasetId, { keywordLanguage: "de" });
    await changeDataset(d.db, announce, fx.orgId, fx.datasetId, { keywordLanguage: null });
    expect(announce.heard).to.deep.equal([
      `keywordLanguageChanged ${fx.orgId} ${fx.datasetId}`,
      `keywordLanguageChanged ${fx.orgId} ${fx.datasetId}`,
    ]);
    const [row] = await d.db.select().from(datasets).where(eq(datasets.id, fx.datasetId));
    expect(row!.keywordLanguage).to.equal(null);
  });

  it("another org's dataset, or an id that is no dataset, reads as not found and changes nothing", async () => {
    for (const [org, id] of [
      [otherOrg, fx.datasetId],
      [fx.orgId, "00000000-0000-4000-8000-000000000000"],
    ] as const) {
      expect(await codeOf(changeDataset(d.db, announce, org, id, { name: "taken over" }))).to.equal("NOT_FOUND");
      expect(await codeOf(changeDataset(d.db, announce, org, id, { keywordLanguage: "fr" }))).to.equal("NOT_FOUND");
      expect(await codeOf(removeDataset(d.db, announce, org, id))).to.equal("NOT_FOUND");
    }
    const [row] = await d.db.select().from(datasets).where(eq(datasets.id, fx.datasetId));
    expect(row!.name).to.equal("Familie & Arbeit");
    expect(announce.heard).to.deep.equal([]);
  });

  it("deleting is refused while an import is queued or running, and allowed once it ended", async () => {
    const [imp] = await d.db
      .insert(imports)
      .values({ orgId: fx.orgId, datasetId: fx.datasetId, filename: "chat.txt", status: "running" })
      .returning({ id: imports.id });
    expect(await codeOf(removeDataset(d.db, announce, fx.orgId, fx.datasetId))).to.equal("CONFLICT");
    await d.db.update(imports).set({ status: "queued" }).where(eq(imports.id, imp!.id));
    expect(await codeOf(removeDataset(d.db, announce, fx.orgId, fx.datasetId))).to.equal("CONFLICT");
    await d.db.update(imports).set({ status: "failed" }).where(eq(imports.id, imp!.id));
    expect(await removeDataset(d.db, announce, fx.orgId, fx.datasetId)).to.deep.equal({
      id: fx.datasetId,
      deleted: true,
    });
    expect(announce.heard).to.deep.equal([`deleted ${fx.orgId} ${fx.datasetId} Familie & Arbeit`]);
  });

  it("deleting takes the dataset's conversations, messages and chunks with it, and nothing of another dataset", async () => {
    await addChunks(d.db, fx, [{ messages: [0, 1], vector: [1, 0, 0] }], CHAT);
    const kept = await createChatDataset(d.db, { orgId: fx.orgId, name: "kept", messages: CHAT });
    await removeDataset(d.db, announce, fx.orgId, fx.datasetId);
    const left = async (table: typeof messages | typeof conversations | typeof chunks, datasetId: string) =>
      (await d.db.select({ n: count() }).from(table).where(eq(table.datasetId, datasetId)))[0]!.n;
    for (const table of [messages, conversations, chunks]) expect(await left(table, fx.datasetId)).to.equal(0);
    expect(await left(messages, kept.datasetId)).to.equal(3);
    expect(await codeOf(removeDataset(d.db, announce, fx.orgId, fx.datasetId))).to.equal("NOT_FOUND");
  });

  it("a failing announcement reaches the caller after the change is stored", async () => {
    announce.fail = new Error("broker down");
    expect(await codeOf(changeDataset(d.db, announce, fx.orgId, fx.datasetId, { keywordLanguage: "en" }))).to.equal(
      "Error: broker down",
    );
    const [row] = await d.db.select().from(datasets).where(eq(datasets.id, fx.datasetId));
    expect(row!.keywordLanguage).to.equal("en");
  });
});
