import { expect } from "chai";
import { messages, searchLog } from "../../../models/schema.ts";
import { createChatDataset, type ChatFixture } from "../../helpers/chat-fixtures.ts";
import { http } from "../../helpers/http.ts";
import type { TestPlatform } from "../../helpers/platform.ts";
import { signUp, startAuthPlatform, type Account } from "../auth/fixtures.ts";
import { CHAT } from "../../unit/analytics/fixture.ts";

describe("analytics over HTTP", function () {
  this.timeout(180_000);
  let p: TestPlatform;
  let a: Account;
  let b: Account;
  let fx: ChatFixture;
  const path = <S extends string, Q extends string = "">(suffix: S, query?: Q) =>
    `/api/datasets/${fx.datasetId}/analytics${suffix}${query ?? ""}` as const;

  before(async () => {
    p = await startAuthPlatform({}, ["api", "auth", "analytics"] as never);
    a = await signUp(p);
    b = await signUp(p);
    fx = await createChatDataset(p.database.db, { orgId: a.orgId, messages: CHAT });
  });
  after(async () => p?.stop());

  it("answers the whole dashboard in the requested zone", async () => {
    const res = await http(p.baseUrl, "GET", path("", "?tz=Europe/Berlin&granularity=week"), { token: a.accessToken });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.summary.total).to.equal(12);
    expect(res.body.heatmap.find((c) => c.weekday === 4 && c.hour === 0)?.messages).to.equal(2);
    expect(res.body.text.emoji.total).to.equal(4);
  });

  it("filters by participant and date range from the query string", async () => {
    const one = await http(p.baseUrl, "GET", path("/summary", `?participantIds=${fx.participantIds.Alice}`), {
      token: a.accessToken,
    });
    expect(one.status, JSON.stringify(one.body)).to.equal(200);
    expect(one.body.rows.find((r) => r.metric === "total")?.value).to.equal(3);
    const range = await http(p.baseUrl, "GET", path("/summary", "?from=2024-01-02T00:00:00Z&to=2024-01-04T00:00:00Z"), {
      token: a.accessToken,
    });
    expect(range.body.rows.find((r) => r.metric === "total")?.value).to.equal(5);
  });

  it("downloads a table as CSV with a filename", async () => {
    const res = await fetch(`${p.baseUrl}${path("/heatmap.csv", "?tz=Europe/Berlin")}`, {
      headers: { authorization: `Bearer ${a.accessToken}` },
    });
    expect(res.status).to.equal(200);
    expect(res.headers.get("content-type")).to.match(/^text\/csv/);
    expect(res.headers.get("content-disposition")).to.match(/attachment; filename="heatmap-[0-9a-f]{8}\.csv"/);
    const lines = (await res.text()).trim().split("\n");
    expect(lines[0]).to.equal("weekday,hour,messages");
    expect(lines).to.include("4,0,2");
  });

  it("answers sentiment over time, each conversation's languages and calls, as rows and as CSV", async () => {
    const whole = await http(p.baseUrl, "GET", path("", "?tz=UTC&granularity=week"), { token: a.accessToken });
    expect(whole.status, JSON.stringify(whole.body)).to.equal(200);
    const weeks = whole.body.sentiment as { period: string; positive: number; negative: number; neutral: number }[];
    expect(weeks.map((w) => w.period)).to.deep.equal(["2024-01-01", "2024-01-08"]);
    // "Good morning", "great": the first week reads positive.
    expect(weeks[0]!.positive).to.be.greaterThan(0);
    expect(whole.body.sentimentLanguages).to.include("English");
    expect(whole.body.languages.map((c) => c.name)).to.include("general");
    expect(whole.body.calls).to.deep.equal([]);
    const csv = await fetch(`${p.baseUrl}${path("/sentiment.csv", "?tz=UTC")}`, {
      headers: { authorization: `Bearer ${a.accessToken}` },
    });
    expect(csv.status).to.equal(200);
    expect((await csv.text()).split("\n")[0]).to.equal("period,positive,negative,neutral,average");
    const langs = await http(p.baseUrl, "GET", path("/languages"), { token: a.accessToken });
    expect(langs.status).to.equal(200);
    expect(Object.keys(langs.body.rows[0])).to.deep.equal(["conversation_id", "conversation", "messages", "languages"]);
  });

  it("answers 404 for another org's dataset, 401 without a token, 422 for bad input", async () => {
    expect((await http(p.baseUrl, "GET", path(""), { token: b.accessToken })).status).to.equal(404);
    expect((await http(p.baseUrl, "GET", path("/heatmap.csv"), { token: b.accessToken })).status).to.equal(404);
    expect((await http(p.baseUrl, "GET", path(""))).status).to.equal(401);
    expect((await http(p.baseUrl, "GET", path("", "?tz=Mars/Olympus"), { token: a.accessToken })).status).to.equal(422);
    expect((await http(p.baseUrl, "GET", path("/nonsense"), { token: a.accessToken })).status).to.equal(422);
    expect((await http(p.baseUrl, "GET", path("", "?extra=1"), { token: a.accessToken })).status).to.equal(422);
  });

  it("serves from the cache until import.completed cleans the dataset's entries", async () => {
    const total = async () =>
      (await http(p.baseUrl, "GET", path("/summary"), { token: a.accessToken })).body.rows.find(
        (r) => r.metric === "total",
      )?.value;
    expect(await total()).to.equal(12);
    await p.database.db.insert(messages).values({
      orgId: fx.orgId,
      datasetId: fx.datasetId,
      conversationId: fx.conversationIds.side!,
      participantId: fx.participantIds.Bob!,
      sourceKey: "late",
      ts: new Date("2024-01-11T10:00:00Z"),
      kind: "text",
      text: "one more",
    });
    expect(await total()).to.equal(12);
    await p.broker.emit("import.completed", { orgId: fx.orgId, datasetId: fx.datasetId });
    await new Promise((r) => setTimeout(r, 50));
    expect(await total()).to.equal(13);
  });

  it("search analytics: only the caller's org, with percentiles and CSV", async () => {
    const at = new Date("2024-03-01T10:00:00Z");
    await p.database.db.insert(searchLog).values([
      {
        orgId: a.orgId,
        datasetIds: [fx.datasetId],
        mode: "hybrid",
        query: "bread",
        latencyMs: 10,
        resultCount: 3,
        createdAt: at,
      },
      {
        orgId: a.orgId,
        datasetIds: [fx.datasetId],
        mode: "hybrid",
        query: "nada",
        latencyMs: 30,
        resultCount: 0,
        createdAt: at,
      },
      {
        orgId: b.orgId,
        datasetIds: [],
        mode: "hybrid",
        query: "other org secret",
        latencyMs: 5,
        resultCount: 0,
        createdAt: at,
      },
    ]);
    const res = await http(p.baseUrl, "GET", "/api/search-analytics?granularity=month", { token: a.accessToken });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    expect(res.body.topQueries.map((q) => q.query).sort()).to.deep.equal(["bread", "nada"]);
    expect(res.body.zeroResults.map((q) => q.query)).to.deep.equal(["nada"]);
    expect(res.body.latency[0]).to.include({ mode: "hybrid", searches: 2, p50: 20 });
    const csv = await fetch(`${p.baseUrl}/api/search-analytics/zeroResults.csv`, {
      headers: { authorization: `Bearer ${a.accessToken}` },
    });
    expect(csv.headers.get("content-type")).to.match(/^text\/csv/);
    expect(await csv.text()).to.equal("query,searches,avgResults,zeroResultSearches\nnada,1,0,1\n");
    const other = await http(p.baseUrl, "GET", "/api/search-analytics/topQueries", { token: b.accessToken });
    expect(other.body.rows.map((q) => q.query)).to.deep.equal(["other org secret"]);
  });
});
