import { expect } from "chai";
import { messages } from "../../../models/schema.ts";
import { activityReport, activityRows } from "../../../services/analytics/report.ts";
import { appendMessages, createChatDataset, type ChatFixture } from "../../helpers/chat-fixtures.ts";
import { isolatedDatabase, type IsolatedDatabase } from "../../helpers/database.ts";
import { eq } from "drizzle-orm";
import { CHAT } from "../../unit/analytics/fixture.ts";

const OPTIONS = { granularity: "week" as const, gapHours: 4, top: 10 };

describe("analytics: per-person breakdown, mentions, replies, reactions, calendar", function () {
  this.timeout(180_000);
  let database: IsolatedDatabase;
  let fx: ChatFixture;

  before(async () => {
    database = await isolatedDatabase("pglite");
    fx = await createChatDataset(database.db, { messages: CHAT });
    fx = await appendMessages(database.db, fx, [
      {
        conversation: "side",
        author: "Alice",
        at: "2024-01-10T13:00:00Z",
        text: "@carol @Bob did you see https://example.com/a 🎉🎉",
      },
      { conversation: "side", author: "Carol", at: "2024-01-10T13:05:00Z", kind: "call", text: "" },
    ]);
    const [reacted, reply] = fx.messageIds.slice(-2);
    await database.db
      .update(messages)
      .set({
        reactions: [
          { emoji: "❤️", count: 3 },
          { emoji: "😂", count: 1 },
        ],
      })
      .where(eq(messages.id, reacted!));
    await database.db.update(messages).set({ replyTo: "m12" }).where(eq(messages.id, reply!));
  });
  after(async () => database?.close());

  it("counts each person's messages, words, emoji with counts, media, links, calls, mentions, replies and reactions", async () => {
    const report = await activityReport(
      database.db,
      { orgId: fx.orgId, datasetId: fx.datasetId, timeZone: "UTC" },
      OPTIONS,
      ["people", "topReacted"],
    );
    const by = Object.fromEntries(report.people!.map((p) => [p.name, p]));
    expect(by.Alice).to.include({
      messages: 4,
      emoji: 6,
      links: 2,
      mentionsMade: 2,
      mentioned: 0,
      reactionsReceived: 4,
      media: 0,
    });
    expect(by.Alice!.topEmoji[0]).to.deep.equal({ value: "😀", count: 3 });
    expect(by.Alice!.topEmoji.find((e) => e.value === "🎉")).to.deep.equal({ value: "🎉", count: 2 });
    expect(by.Bob).to.include({ media: 1, mentioned: 1, links: 1 });
    expect(by.Carol).to.include({ calls: 1, mentioned: 1, repliesSent: 1 });
    expect(by.Alice!.words).to.be.greaterThan(10);
    expect(report.hasReactions).to.equal(true);
    expect(report.topReacted![0]).to.include({ author: "Alice", reactions: 4 });
    expect(report.topReacted![0]!.top).to.deep.equal(["❤️", "😂"]);
    const rows = activityRows(report, "people");
    expect(rows.find((r) => r.name === "Alice")!.topEmoji).to.match(/^😀 3/);
  });

  it("filters the breakdown by person and conversation", async () => {
    const side = await activityReport(
      database.db,
      { orgId: fx.orgId, datasetId: fx.datasetId, timeZone: "UTC", conversationId: fx.conversationIds.side },
      OPTIONS,
      ["people"],
    );
    expect(side.people!.map((p) => p.name).sort()).to.deep.equal(["Alice", "Bob", "Carol"]);
    expect(side.people!.find((p) => p.name === "Alice")!.messages).to.equal(1);
    const carol = await activityReport(
      database.db,
      { orgId: fx.orgId, datasetId: fx.datasetId, timeZone: "UTC", participantIds: [fx.participantIds.Carol!] },
      OPTIONS,
      ["people", "calendar"],
    );
    expect(carol.people!.map((p) => p.name)).to.deep.equal(["Carol"]);
    expect(carol.calendar!.map((d) => d.period)).to.deep.equal(["2024-01-02", "2024-01-03", "2024-01-10"]);
  });
});
