import { expect } from "chai";
import { languageShares, messageLanguage } from "../../../services/analytics/languages.ts";
import { activityReport, activityRows } from "../../../services/analytics/report.ts";
import { sentimentOf } from "../../../services/analytics/sentiment.ts";
import { createChatDataset, type ChatFixture, type FixtureMessage } from "../../helpers/chat-fixtures.ts";
import { isolatedDatabase, type IsolatedDatabase } from "../../helpers/database.ts";

const OPTIONS = { granularity: "week" as const, gapHours: 4, top: 10 };

/**
 * Week of 2024-01-01: happy English and Spanish messages; week of 2024-01-08: unhappy ones
 * (with a negation), so sentiment must turn; "Família" is Portuguese only; "Bande" mixes
 * German and French; calls in the last week, one missed and one video.
 */
const en = (at: string, text: string, author = "Ana"): FixtureMessage => ({
  conversation: "Friends",
  author,
  at,
  text,
});
const CHAT: FixtureMessage[] = [
  en("2024-01-01T09:00:00Z", "I love this wonderful sunny day with all of you"),
  en("2024-01-01T09:05:00Z", "what a great and happy party, thank you so much", "Ben"),
  en("2024-01-02T10:00:00Z", "me encanta la fiesta, es genial y maravillosa", "Inés"),
  en("2024-01-02T10:01:00Z", "ok"),
  en("2024-01-08T09:00:00Z", "this is terrible, I hate how sad and awful it was"),
  en("2024-01-08T09:10:00Z", "the weather is not good at all, horrible week", "Ben"),
  en("2024-01-09T11:00:00Z", "esto es terrible, estoy muy triste y enfadado", "Inés"),
  {
    conversation: "Família",
    author: "Rui",
    at: "2024-01-03T12:00:00Z",
    text: "o jantar de ontem foi ótimo, obrigado a todos",
  },
  {
    conversation: "Família",
    author: "Rui",
    at: "2024-01-03T12:10:00Z",
    text: "a viagem para o Porto ficou para o próximo mês",
  },
  {
    conversation: "Bande",
    author: "Jonas",
    at: "2024-01-04T08:00:00Z",
    text: "wir treffen uns morgen um acht Uhr am Bahnhof",
  },
  {
    conversation: "Bande",
    author: "Chloé",
    at: "2024-01-04T08:03:00Z",
    text: "je ne sais pas si je peux venir demain matin",
  },
  {
    conversation: "Bande",
    author: "Jonas",
    at: "2024-01-04T08:04:00Z",
    text: "das ist kein Problem, wir warten auf dich",
  },
  { conversation: "Friends", author: "Ben", at: "2024-01-15T20:00:00Z", kind: "call", text: "Missed voice call" },
  { conversation: "Friends", author: "Ana", at: "2024-01-15T20:05:00Z", kind: "call", text: "Video call, 12 min" },
];

describe("analytics: sentiment over time, languages of conversations, calls", function () {
  this.timeout(180_000);
  let database: IsolatedDatabase;
  let fx: ChatFixture;

  before(async () => {
    database = await isolatedDatabase("pglite");
    fx = await createChatDataset(database.db, { messages: CHAT });
  });
  after(async () => database?.close());

  it("scores messages by the word list of their language, negations included", async () => {
    expect((await sentimentOf("I love this wonderful day", "eng"))!.vote).to.equal("positive");
    expect((await sentimentOf("this is terrible and sad", "eng"))!.vote).to.equal("negative");
    expect((await sentimentOf("me encanta, es genial", "spa"))!.vote).to.equal("positive");
    expect((await sentimentOf("esto es terrible y triste", "spa"))!.vote).to.equal("negative");
    expect((await sentimentOf("c'est horrible et triste", "fra"))!.vote).to.equal("negative");
    expect((await sentimentOf("isso é terrível", "por"))!.vote).to.equal("negative");
    // Emoji carry a chat's mood where the words say little, with skin tones and in every language.
    expect((await sentimentOf("ok 😂❤️", "eng"))!.vote).to.equal("positive");
    expect((await sentimentOf("ok 😢😡", "eng"))!.vote).to.equal("negative");
    expect((await sentimentOf("👍🏽", "deu"))!.vote).to.equal("positive");
    expect((await sentimentOf("a reunião foi adiada 😞", "por"))!.vote).to.equal("negative");
    expect((await sentimentOf("I love this wonderful day 😐", "eng"))!.vote).to.equal("positive");
    // A language without a lexicon is not guessed.
    expect(await sentimentOf("bu harika bir gün", "tur")).to.equal(undefined);
  });

  it("tells languages apart and picks a short message's language among its conversation's", () => {
    const shares = languageShares([
      "wir treffen uns morgen um acht Uhr am Bahnhof",
      "das ist kein Problem, wir warten auf dich",
      "je ne sais pas si je peux venir demain matin",
      "ok",
    ]);
    expect(shares.map((l) => l.name)).to.deep.equal(["German", "French"]);
    expect(shares[0]!.share).to.be.closeTo(2 / 3, 0.01);
    expect(messageLanguage(["c'est", "la", "vie"], ["deu", "fra"])).to.equal("fra");
    expect(messageLanguage(["danke"], ["deu", "fra"])).to.equal("deu");
  });

  it("turns from positive to negative week by week and lists each conversation's languages", async () => {
    const report = await activityReport(
      database.db,
      { orgId: fx.orgId, datasetId: fx.datasetId, timeZone: "UTC" },
      OPTIONS,
      ["sentiment", "languages"],
    );
    const week = Object.fromEntries(report.sentiment!.map((p) => [p.period, p]));
    expect(week["2024-01-01"]!.positive).to.be.greaterThan(week["2024-01-01"]!.negative);
    expect(week["2024-01-08"]!.negative).to.equal(3);
    expect(week["2024-01-08"]!.average).to.be.lessThan(0);
    expect(report.sentimentUnscored).to.equal(0);
    const langs = Object.fromEntries(report.languages!.map((c) => [c.name, c.languages.map((l) => l.name)]));
    expect(langs["Família"]).to.deep.equal(["Portuguese"]);
    expect(langs.Bande).to.have.members(["German", "French"]);
    expect(langs.Friends!.slice(0, 2)).to.have.members(["English", "Spanish"]);
    const rows = activityRows(report, "languages");
    expect(rows.find((r) => r.conversation === "Família")!.languages).to.equal("Portuguese 100%");
  });

  it("follows the filters: one person's sentiment, one conversation's languages", async () => {
    const f = { orgId: fx.orgId, datasetId: fx.datasetId, timeZone: "UTC" };
    const ines = await activityReport(database.db, { ...f, participantIds: [fx.participantIds["Inés"]!] }, OPTIONS, [
      "sentiment",
    ]);
    expect(ines.sentiment!.map((p) => [p.period, p.positive, p.negative])).to.deep.equal([
      ["2024-01-01", 1, 0],
      ["2024-01-08", 0, 1],
    ]);
    const bande = await activityReport(database.db, { ...f, conversationId: fx.conversationIds.Bande }, OPTIONS, [
      "languages",
    ]);
    expect(bande.languages!.map((c) => c.name)).to.deep.equal(["Bande"]);
    expect(bande.sentiment, "languages alone skip the sentiment pass").to.equal(undefined);
  });

  it("counts calls per period, missed and video among them", async () => {
    const report = await activityReport(
      database.db,
      { orgId: fx.orgId, datasetId: fx.datasetId, timeZone: "UTC" },
      OPTIONS,
      ["calls"],
    );
    expect(report.calls).to.deep.equal([{ period: "2024-01-15", calls: 2, missed: 1, video: 1 }]);
  });
});
