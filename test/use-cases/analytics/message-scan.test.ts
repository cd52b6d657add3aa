import { expect } from "chai";
import { scanMessages, type ScanNeeds, type ScannedMessage } from "../../../services/analytics/message-scan.ts";
import { ACTIVITY_TABLES, activityReport, type ActivityTable } from "../../../services/analytics/report.ts";
import { createChatDataset, type ChatFixture } from "../../helpers/chat-fixtures.ts";
import { isolatedDatabase, type IsolatedDatabase } from "../../helpers/database.ts";
import { CHAT } from "../../unit/analytics/fixture.ts";

const OPTIONS = { granularity: "week" as const, gapHours: 4, top: 10 };

/** Records what a scan hands it. */
class Recorder {
  seen: ScannedMessage[] = [];
  batches = 0;
  constructor(readonly needs: ScanNeeds) {}
  visit(batch: readonly ScannedMessage[]) {
    this.batches++;
    this.seen.push(...batch);
  }
}

describe("analytics: one scan of the messages for every text table", function () {
  this.timeout(180_000);
  let database: IsolatedDatabase;
  let fx: ChatFixture;
  const filter = () => ({ orgId: fx.orgId, datasetId: fx.datasetId, timeZone: "Europe/Berlin" });

  before(async () => {
    database = await isolatedDatabase("pglite");
    fx = await createChatDataset(database.db, { messages: CHAT });
  });
  after(async () => database?.close());

  it("hands every visitor each message once, in id order, across batches; text only unless one needs every kind", async () => {
    const texts = new Recorder({});
    const sentimentLike = new Recorder({ conversation: true, period: true });
    await scanMessages(database.db, filter(), "week", [texts, sentimentLike], 3);
    const textCount = CHAT.filter((m) => (m.kind ?? "text") === "text").length;
    expect(texts.seen.map((m) => m.kind)).to.deep.equal(Array(textCount).fill("text"));
    expect(texts.batches).to.equal(Math.floor(textCount / 3) + 1);
    const ids = texts.seen.map((m) => m.id);
    expect(ids).to.deep.equal([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).to.equal(ids.length);
    expect(sentimentLike.seen.map((m) => m.id)).to.deep.equal(ids);
    expect(sentimentLike.seen[0]!.period).to.equal("2024-01-01");
    expect(sentimentLike.seen[0]!.conversationId).to.be.a("string");

    const people = new Recorder({ allKinds: true, author: true });
    const alongside = new Recorder({});
    await scanMessages(database.db, filter(), "week", [people, alongside], 5);
    expect(people.seen).to.have.length(CHAT.length);
    expect(people.seen.map((m) => m.kind)).to.include.members(["media", "system"]);
    expect(people.seen[0]!.name).to.equal("Alice");
    // The same messages (and so the same words, emoji and links, extracted once) for both.
    expect(alongside.seen.every((m, i) => m === people.seen[i])).to.equal(true);
    const first = people.seen[0]!;
    expect(first.textFacts).to.equal(first.textFacts);
    expect(first.textFacts.emoji).to.deep.equal(["😀"]);
  });

  it("answers each table alone exactly as within the whole dashboard", async () => {
    const whole = await activityReport(database.db, filter(), OPTIONS);
    const alone = async (table: ActivityTable) => activityReport(database.db, filter(), OPTIONS, [table]);
    expect((await alone("words")).text).to.deep.equal(whole.text);
    expect((await alone("people")).people).to.deep.equal(whole.people);
    expect((await alone("topReacted")).topReacted).to.deep.equal(whole.topReacted);
    expect((await alone("sentiment")).sentiment).to.deep.equal(whole.sentiment);
    expect((await alone("languages")).languages).to.deep.equal(whole.languages);
    expect(Object.keys(whole)).to.include.members(
      [...ACTIVITY_TABLES].filter((t) => !/emoji|domains|words|grams/.test(t)),
    );
  });
});
