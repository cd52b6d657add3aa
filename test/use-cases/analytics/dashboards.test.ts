import { expect } from "chai";
import sinon from "sinon";
import type { Context } from "moleculer";
import type { CallMeta } from "../../../core/permissions.ts";
import { ROLE_PERMISSIONS } from "../../../core/permissions.ts";
import { datasets, orgs } from "../../../models/schema.ts";
import { eq } from "drizzle-orm";
import {
  activityFilter,
  csvAnswer,
  csvName,
  htmlReport,
  searchFilter,
  type ActivityQuery,
} from "../../../services/analytics/dashboards.ts";
import { latestTopics } from "../../../services/cluster/run-views.ts";
import { completeRun, createRun } from "../../../services/cluster/runs.ts";
import type { Db } from "../../../models/db.ts";
import { createChatDataset, type ChatFixture } from "../../helpers/chat-fixtures.ts";
import { isolatedDatabase, type IsolatedDatabase } from "../../helpers/database.ts";
import { CHAT } from "../../unit/analytics/fixture.ts";

type Caller = Context<unknown, CallMeta>;

/** The database the calls below answer from (set once the suite's database is open). */
let callsDb: Db | undefined;

/**
 * The part of a Moleculer context the dashboards use: its meta, and its calls — the report asks
 * cluster for the newest topics, answered here by cluster's own use case on the same database.
 */
const caller = (orgId: string) =>
  ({
    call: async (action: string, params: { orgId: string; datasetId: string }) => {
      if (action !== "cluster.latestTopics") throw new Error(`unexpected call of ${action}`);
      return latestTopics(callsDb!, params);
    },
    meta: {
      auth: {
        kind: "user",
        userId: "00000000-0000-4000-8000-0000000000bb",
        orgId,
        role: "analyst",
        permissions: [...ROLE_PERMISSIONS.analyst],
      },
    },
  }) as unknown as Caller;

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === "function" ? p() : p);
  } catch (err) {
    return (err as { type?: string }).type ?? String(err);
  }
  return "no error";
}

describe("analytics use cases: dashboards (filters, CSV answers, the HTML report)", function () {
  this.timeout(60_000);
  let d: IsolatedDatabase;
  let fx: ChatFixture;
  let otherOrg: string;
  const query = (over: Partial<ActivityQuery> = {}): ActivityQuery => ({
    datasetId: fx.datasetId,
    tz: "Europe/Berlin",
    granularity: "week",
    gapHours: 4,
    top: 10,
    ...over,
  });

  before(async () => {
    d = await isolatedDatabase("pglite");
    callsDb = d.db;
    fx = await createChatDataset(d.db, { name: "Team chat", messages: CHAT });
    const [o] = await d.db.insert(orgs).values({ name: "other" }).returning({ id: orgs.id });
    otherOrg = o!.id;
  });
  after(async () => d?.close());

  it("an activity filter is the caller's org's dataset in a checked zone", async () => {
    const from = new Date("2024-01-02T00:00:00Z");
    const f = await activityFilter(d.db, caller(fx.orgId), query({ from, participantIds: ["p1"] }));
    expect(f).to.deep.equal({
      orgId: fx.orgId,
      datasetId: fx.datasetId,
      conversationId: undefined,
      participantIds: ["p1"],
      from,
      to: undefined,
      timeZone: "Europe/Berlin",
    });
    for (const tz of ["Mars/Olympus_Mons", "Europe/Berlin'; drop table messages; --", ""])
      expect(await codeOf(activityFilter(d.db, caller(fx.orgId), query({ tz })))).to.equal("VALIDATION_ERROR");
    expect(await codeOf(activityFilter(d.db, caller(otherOrg), query()))).to.equal("NOT_FOUND");
    expect(await codeOf(activityFilter(d.db, { meta: {} } as Caller, query()))).to.equal("FORBIDDEN");
  });

  it("a search filter is scoped to the caller's org and refuses unknown zones", async () => {
    expect(searchFilter(caller(fx.orgId), { tz: "UTC", mode: "hybrid" })).to.deep.equal({
      orgId: fx.orgId,
      from: undefined,
      to: undefined,
      mode: "hybrid",
      datasetId: undefined,
      timeZone: "UTC",
    });
    expect(await codeOf(() => searchFilter(caller(fx.orgId), { tz: "Nowhere/Town" }))).to.equal("VALIDATION_ERROR");
  });

  it("CSV answers: a table name with .csv is a download with a file name, and formula cells are defused", () => {
    expect(csvName("heatmap.csv")).to.deep.equal({ table: "heatmap", csv: true });
    expect(csvName("heatmap")).to.deep.equal({ table: "heatmap", csv: false });
    expect(csvName(".csv")).to.deep.equal({ table: "", csv: true });
    const meta: CallMeta & { $responseType?: string; $responseHeaders?: object } = {};
    const body = csvAnswer(meta, "participants-1234.csv", [
      { name: "=1+2", messages: 3 },
      { name: 'Bob, "the builder"', messages: 1 },
    ]);
    expect(meta.$responseType).to.equal("text/csv; charset=utf-8");
    expect(meta.$responseHeaders).to.deep.equal({
      "Content-Disposition": 'attachment; filename="participants-1234.csv"',
    });
    expect(body).to.equal(`name,messages\n'=1+2,3\n"Bob, ""the builder""",1\n`);
  });

  it("the HTML report: dashboards without topics until a run completes, then with them; stamped with the clock", async () => {
    const clock = sinon.useFakeTimers({ now: Date.parse("2025-06-30T21:45:00Z"), toFake: ["Date"] });
    try {
      const plain = await htmlReport(d.db, caller(fx.orgId), query());
      expect(plain.filename).to.equal("chatlens-report-Team-chat.html");
      expect(plain.html).to.include("Team chat — chat report");
      expect(plain.html).to.include("2025-06-30 21:45 UTC");
      expect(plain.html).to.not.include("sourdough-topic-label");

      const run = await createRun(d.db, {
        orgId: fx.orgId,
        datasetId: fx.datasetId,
        modelId: fx.modelId,
        indexVersion: "v1",
        params: { map: false, mapMethod: "umap", granularity: "auto", seed: 1 },
        createdBy: null,
      });
      await completeRun(d.db, run.id, {
        k: 1,
        reducedDims: 2,
        languages: ["en"],
        totalChunks: 3,
        clusters: [
          {
            id: 0,
            size: 3,
            label: "sourdough-topic-label <img src=x onerror=alert(1)>",
            terms: [{ term: "sourdough", score: 1 }],
            representatives: [],
            participants: [],
            distinctParticipants: 0,
            centroid: [1, 0],
          },
        ],
        assignments: { chunkIds: [], clusters: [] },
        timings: {},
      });
      const withTopics = await htmlReport(d.db, caller(fx.orgId), query());
      expect(withTopics.html).to.include("sourdough-topic-label");
      expect(withTopics.html).to.not.include("<img src=x");
    } finally {
      clock.restore();
    }
  });

  it("the report's file name is a safe slug of any dataset name", async () => {
    const names: [string, string][] = [
      ["../../etc/passwd", "chatlens-report-etc-passwd.html"],
      ['"; rm -rf / #', "chatlens-report-rm--rf.html"],
      // Accents decompose (NFKD) and their marks become dashes: safe, if not pretty.
      ["Ünïcödé Grüße", "chatlens-report-U-ni-co-de-Gru-e.html"],
      ["🎉🎉🎉", "chatlens-report-dataset.html"],
      ["x".repeat(200), `chatlens-report-${"x".repeat(60)}.html`],
    ];
    for (const [name, file] of names) {
      await d.db.update(datasets).set({ name }).where(eq(datasets.id, fx.datasetId));
      const { filename } = await htmlReport(d.db, caller(fx.orgId), query());
      expect(filename, name).to.equal(file);
      expect(filename).to.match(/^[\w.-]+$/);
    }
    expect(await codeOf(htmlReport(d.db, caller(otherOrg), query()))).to.equal("NOT_FOUND");
  });
});
