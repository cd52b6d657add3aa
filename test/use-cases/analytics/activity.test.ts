import { expect } from "chai";
import { searchLog } from "../../../models/schema.ts";
import type { ActivityFilter } from "../../../services/analytics/activity.ts";
import { activityReport, activityRows, searchReport, toCsv } from "../../../services/analytics/report.ts";
import { createChatDataset, type ChatFixture } from "../../helpers/chat-fixtures.ts";
import { isolatedDatabase, type DatabaseKind, type IsolatedDatabase } from "../../helpers/database.ts";
import { requireServers } from "../../helpers/servers.ts";
import { CHAT } from "../../unit/analytics/fixture.ts";

const OPTIONS = { granularity: "week" as const, gapHours: 4, top: 10 };

for (const kind of ["pglite", "postgres"] as DatabaseKind[]) {
  describe(`analytics SQL on ${kind}`, function () {
    this.timeout(180_000);
    let database: IsolatedDatabase;
    let fx: ChatFixture;
    let berlin: ActivityFilter;

    before(async function () {
      if (kind === "postgres") await requireServers(this, "postgres");
      database = await isolatedDatabase(kind);
      fx = await createChatDataset(database.db, { messages: CHAT });
      berlin = { orgId: fx.orgId, datasetId: fx.datasetId, timeZone: "Europe/Berlin" };
    });
    after(async () => database?.close());

    it("counts messages by kind, edits, participants and conversations", async () => {
      const { summary } = await activityReport(database.db, berlin, OPTIONS, ["summary"]);
      expect(summary).to.deep.include({
        total: 12,
        media: 1,
        system: 1,
        deleted: 1,
        edited: 1,
        participants: 3,
        conversations: 2,
      });
      expect(summary!.byKind).to.deep.equal({ text: 9, media: 1, system: 1, deleted: 1 });
      expect(summary!.first).to.equal("2024-01-01T08:00:00.000Z");
    });

    it("puts messages in the heatmap cells of the requested zone", async () => {
      const { heatmap } = await activityReport(database.db, berlin, OPTIONS, ["heatmap"]);
      const cell = (weekday: number, hour: number) =>
        heatmap!.find((c) => c.weekday === weekday && c.hour === hour)!.messages;
      expect(heatmap).to.have.length(168);
      expect(cell(1, 9)).to.equal(4);
      expect(cell(2, 11)).to.equal(2);
      expect(cell(3, 13)).to.equal(3);
      expect(cell(4, 0)).to.equal(2); // Wednesday 23:30 UTC is Thursday 00:30 in Berlin
      expect(cell(3, 23)).to.equal(0);
      const utc = await activityReport(database.db, { ...berlin, timeZone: "UTC" }, OPTIONS, ["heatmap"]);
      expect(utc.heatmap!.find((c) => c.weekday === 3 && c.hour === 23)!.messages).to.equal(2);
    });

    it("counts messages per week and per day in the zone", async () => {
      const weeks = await activityReport(database.db, berlin, OPTIONS, ["messagesOverTime"]);
      expect(weeks.messagesOverTime).to.deep.equal([
        { period: "2024-01-01", messages: 10 },
        { period: "2024-01-08", messages: 2 },
      ]);
      const days = await activityReport(
        database.db,
        { ...berlin, timeZone: "UTC" },
        { ...OPTIONS, granularity: "day" },
        ["messagesOverTime"],
      );
      expect(days.messagesOverTime!.find((d) => d.period === "2024-01-03")!.messages).to.equal(3);
    });

    it("ranks participants and measures message lengths", async () => {
      const { participants, lengths } = await activityReport(database.db, berlin, OPTIONS, ["participants", "lengths"]);
      expect(participants!.map((p) => [p.name, p.messages])).to.deep.equal([
        ["Bob", 5],
        ["Alice", 3],
        ["Carol", 3],
      ]);
      expect(lengths!.textMessages).to.equal(9);
      expect(lengths!.buckets.reduce((a, b) => a + b.messages, 0)).to.equal(9);
      expect(lengths!.max).to.equal([...CHAT[0]!.text!].length); // code points, as char_length counts them
    });

    it("finds median reply delays per pair, conversation starters and streaks", async () => {
      const { responseTimes, starters, streaks } = await activityReport(database.db, berlin, OPTIONS, [
        "responseTimes",
        "starters",
        "streaks",
      ]);
      const pairs = responseTimes!.map((r) => [r.fromName, r.toName, r.replies, r.medianSeconds]);
      expect(pairs).to.have.deep.members([
        ["Alice", "Bob", 2, 360],
        ["Bob", "Alice", 1, 60],
        ["Carol", "Alice", 1, 240],
        ["Bob", "Carol", 1, 1800],
      ]);
      expect(starters!.map((s) => [s.name, s.conversationsStarted])).to.deep.equal([
        ["Bob", 3],
        ["Carol", 2],
        ["Alice", 1],
      ]);
      expect(streaks![0]).to.deep.equal({ start: "2024-01-01", end: "2024-01-05", days: 5 });
      const utc = await activityReport(database.db, { ...berlin, timeZone: "UTC" }, OPTIONS, ["streaks"]);
      expect(utc.streaks![0]).to.deep.equal({ start: "2024-01-01", end: "2024-01-03", days: 3 });
    });

    it("counts emoji, links, domains, words and n-grams without stop words", async () => {
      const { text } = await activityReport(database.db, berlin, OPTIONS, ["emoji", "words"]);
      expect(text!.emoji.total).to.equal(4);
      expect(text!.emoji.messagesWithEmoji).to.equal(3);
      expect(text!.emoji.top).to.deep.equal([
        { value: "😀", count: 3 },
        { value: "👍🏽", count: 1 },
      ]);
      expect(text!.links.total).to.equal(2);
      expect(text!.links.domains.map((d) => d.value).sort()).to.deep.equal(["example.com", "news.example.org"]);
      expect(text!.words.slice(0, 3).map((w) => [w.value, w.count])).to.have.deep.members([
        ["bread", 3],
        ["recipe", 3],
        ["sourdough", 3],
      ]);
      expect(text!.words.map((w) => w.value)).to.not.include.members(["is", "the", "please"]);
      expect(text!.bigrams.map((b) => [b.value, b.count])).to.have.deep.members([
        ["sourdough bread", 3],
        ["bread recipe", 3],
      ]);
      expect(text!.trigrams).to.deep.equal([{ value: "sourdough bread recipe", count: 3 }]);
    });

    it("applies participant, conversation and date filters", async () => {
      const alice = await activityReport(
        database.db,
        { ...berlin, participantIds: [fx.participantIds.Alice!] },
        OPTIONS,
        ["summary", "responseTimes"],
      );
      expect(alice.summary!.total).to.equal(3);
      expect(alice.responseTimes!.map((r) => `${r.fromName}>${r.toName}`).sort()).to.deep.equal([
        "Alice>Bob",
        "Bob>Alice",
        "Carol>Alice",
      ]);
      const side = await activityReport(database.db, { ...berlin, conversationId: fx.conversationIds.side }, OPTIONS, [
        "summary",
      ]);
      expect(side.summary!.total).to.equal(2);
      const range = await activityReport(
        database.db,
        { ...berlin, from: new Date("2024-01-02T00:00:00Z"), to: new Date("2024-01-04T00:00:00Z") },
        OPTIONS,
        ["summary"],
      );
      expect(range.summary!.total).to.equal(5);
      const otherOrg = await activityReport(
        database.db,
        { ...berlin, orgId: "00000000-0000-4000-8000-000000000000" },
        OPTIONS,
        ["summary"],
      );
      expect(otherOrg.summary!.total).to.equal(0);
    });

    it("exports tables as CSV with a header and neutralised formulas", async () => {
      const report = await activityReport(database.db, berlin, OPTIONS, ["participants", "heatmap"]);
      const csv = toCsv(activityRows(report, "heatmap"));
      const lines = csv.trim().split("\n");
      expect(lines[0]).to.equal("weekday,hour,messages");
      expect(lines).to.have.length(169);
      expect(lines).to.include("4,0,2");
      expect(toCsv([{ query: "=cmd()", n: 1 }])).to.equal("query,n\n'=cmd(),1\n");
    });

    it("summarises the org's search log: volume, top and zero-result queries, latency percentiles", async () => {
      const other = await createChatDataset(database.db, { messages: [] });
      const row = (
        orgId: string,
        mode: string,
        query: string,
        latencyMs: number,
        resultCount: number,
        at = "2024-01-15T10:00:00Z",
      ) => ({
        orgId,
        datasetIds: [fx.datasetId],
        mode,
        query,
        latencyMs,
        resultCount,
        createdAt: new Date(at),
      });
      await database.db
        .insert(searchLog)
        .values([
          row(fx.orgId, "semantic", "Pizza", 10, 5),
          row(fx.orgId, "semantic", "pizza ", 20, 3),
          row(fx.orgId, "semantic", "nothing here", 30, 0),
          row(fx.orgId, "semantic", "nothing  here", 40, 0, "2024-01-22T10:00:00Z"),
          row(fx.orgId, "semantic", "pasta", 100, 1, "2024-01-22T10:00:00Z"),
          row(fx.orgId, "keyword", "pizza", 5, 2),
          row(fx.orgId, "keyword", "zzz", 15, 0, "2024-02-20T10:00:00Z"),
          row(other.orgId, "semantic", "secret", 1, 0),
        ]);
      const f = { orgId: fx.orgId, timeZone: "UTC" };
      const r = await searchReport(database.db, f, { granularity: "week", top: 10 });
      expect(r.topQueries!.map((q) => [q.query, q.searches])).to.deep.equal([
        ["pizza", 3],
        ["nothing here", 2],
        ["pasta", 1],
        ["zzz", 1],
      ]);
      expect(r.zeroResults!.map((q) => [q.query, q.searches])).to.deep.equal([
        ["nothing here", 2],
        ["zzz", 1],
      ]);
      const semantic = r.latency!.find((l) => l.mode === "semantic")!;
      expect(semantic).to.deep.equal({
        mode: "semantic",
        searches: 5,
        zeroResultRate: 0.4,
        p50: 30,
        p95: 88,
        p99: 97.6,
      });
      expect(r.latency!.at(-1)).to.include({ mode: "all", searches: 7 });
      expect(r.volume).to.deep.include({ period: "2024-01-15", mode: "semantic", searches: 3 });
      const january = await searchReport(
        database.db,
        { ...f, to: new Date("2024-02-01T00:00:00Z") },
        { granularity: "month", top: 10 },
        ["volume"],
      );
      expect(january.volume).to.deep.equal([
        { period: "2024-01-01", mode: "keyword", searches: 1 },
        { period: "2024-01-01", mode: "semantic", searches: 5 },
      ]);
    });
  });
}
