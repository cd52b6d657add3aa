import { expect } from "chai";
import { parse } from "csv-parse/sync";
import type { CallMeta } from "../../../core/permissions.ts";
import { ROLE_PERMISSIONS } from "../../../core/permissions.ts";
import { orgs } from "../../../models/schema.ts";
import { compareRuns, exportRun, getMap, getRun, listRuns, locateChunk } from "../../../services/cluster/run-views.ts";
import {
  completeRun,
  createRun,
  failRun,
  type StoredCluster,
  type StoredResult,
} from "../../../services/cluster/runs.ts";
import { addChunks, createChatDataset, type ChatFixture } from "../../helpers/chat-fixtures.ts";
import { isolatedDatabase, type IsolatedDatabase } from "../../helpers/database.ts";

const CHAT = [
  { conversation: "Bakery", author: "Ana", at: "2024-02-01T08:00:00Z", text: "sourdough starter is bubbling" },
  { conversation: "Bakery", author: "Ben", at: "2024-02-01T08:01:00Z", text: "feed it rye flour" },
  { conversation: "Bakery", author: "Ana", at: "2024-02-02T08:00:00Z", text: "the crumb came out open" },
  { conversation: "=cmd|' /C calc'!A0", author: "Ben", at: "2024-02-03T10:00:00Z", text: "the build is red again" },
  { conversation: "=cmd|' /C calc'!A0", author: "Cy", at: "2024-02-03T10:05:00Z", text: "flaky test, rerun CI" },
  { conversation: "=cmd|' /C calc'!A0", author: "Ben", at: "2024-02-04T10:00:00Z", text: "merged the fix" },
];

const caller = (orgId: string): { meta: CallMeta } => ({
  meta: {
    auth: {
      kind: "user",
      userId: "00000000-0000-4000-8000-0000000000aa",
      orgId,
      role: "viewer",
      permissions: [...ROLE_PERMISSIONS.viewer],
    },
  },
});

const cluster = (id: number, label: string, size: number, centroid: number[]): StoredCluster => ({
  id,
  size,
  label,
  terms: label.split(", ").map((term, i) => ({ term, score: 1 - i / 10 })),
  representatives: [],
  participants: [],
  distinctParticipants: 0,
  centroid,
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { type?: string }).type ?? String(err);
  }
  return "no error";
}

describe("cluster use cases: run views (list, get, map, export, compare, locate)", function () {
  this.timeout(60_000);
  let d: IsolatedDatabase;
  let fx: ChatFixture;
  let chunkIds: string[];
  let stranger: { meta: CallMeta };
  /** Runs: two completed over the same chunks (the second without a map), one queued, one failed. */
  const run = { first: "", second: "", queued: "", failed: "" };

  const result = (clusters: StoredCluster[], assignment: number[], withMap: boolean): StoredResult => ({
    k: clusters.length,
    reducedDims: 3,
    languages: ["en"],
    totalChunks: chunkIds.length,
    clusters,
    assignments: { chunkIds, clusters: assignment },
    ...(withMap
      ? {
          map: {
            method: "umap" as const,
            totalPoints: chunkIds.length,
            sampled: false,
            ids: chunkIds,
            x: [0, 0.1, 5, 5.1],
            y: [0, 0.2, 5, 4.9],
            cluster: assignment,
            preview: ["sourdough", "crumb", "build", "fix"],
          },
        }
      : {}),
    timings: { total: 12 },
  });

  before(async () => {
    d = await isolatedDatabase("pglite");
    fx = await createChatDataset(d.db, { name: "topics", messages: CHAT });
    chunkIds = await addChunks(
      d.db,
      fx,
      [
        { messages: [0, 1], vector: [1, 0, 0] },
        { messages: [2], vector: [0.9, 0.1, 0] },
        { messages: [3, 4], vector: [0, 1, 0] },
        { messages: [5], vector: [0, 0.9, 0.1] },
      ],
      CHAT,
    );
    const [other] = await d.db.insert(orgs).values({ name: "other" }).returning({ id: orgs.id });
    stranger = caller(other!.id);
    const params = { map: true, mapMethod: "umap" as const, granularity: "auto" as const, seed: 42 };
    const make = async (indexVersion: string) =>
      (
        await createRun(d.db, {
          orgId: fx.orgId,
          datasetId: fx.datasetId,
          modelId: fx.modelId,
          indexVersion,
          params,
          createdBy: null,
        })
      ).id;
    run.first = await make("v1");
    await completeRun(
      d.db,
      run.first,
      result(
        [cluster(0, "sourdough, flour", 2, [1, 0, 0]), cluster(1, '=HYPERLINK("http://evil"), build', 2, [0, 1, 0])],
        [0, 0, 1, 1],
        true,
      ),
    );
    run.second = await make("v2");
    // Later: the bread topic took one of the build chunks.
    await completeRun(
      d.db,
      run.second,
      result(
        [cluster(0, "sourdough, crumb", 3, [0.7, 0.7, 0]), cluster(1, "build, ci", 1, [0, 1, 0])],
        [0, 0, 0, 1],
        false,
      ),
    );
    run.queued = await make("v3");
    run.failed = await make("v4");
    await failRun(d.db, run.failed, { code: "TOO_FEW_CHUNKS", message: "need at least 5 chunks" });
  });
  after(async () => d?.close());

  it("lists the dataset's runs with their size and state, up to the limit, and only to its org", async () => {
    const { runs } = await listRuns(d.db, caller(fx.orgId), { datasetId: fx.datasetId, limit: 10 });
    expect(runs.map((r) => r.id)).to.have.members([run.first, run.second, run.queued, run.failed]);
    const first = runs.find((r) => r.id === run.first)!;
    expect(first).to.deep.include({ status: "completed", k: 2, totalChunks: 4, indexVersion: "v1" });
    expect(runs.find((r) => r.id === run.queued)).to.deep.include({ status: "queued", k: null });
    expect(runs.find((r) => r.id === run.failed)!.error).to.deep.equal({
      code: "TOO_FEW_CHUNKS",
      message: "need at least 5 chunks",
    });
    expect((await listRuns(d.db, caller(fx.orgId), { datasetId: fx.datasetId, limit: 1 })).runs).to.have.length(1);
    expect(await codeOf(listRuns(d.db, stranger, { datasetId: fx.datasetId, limit: 10 }))).to.equal("NOT_FOUND");
  });

  it("a run is read without its map and assignments; another org's or an unknown run is not found", async () => {
    const got = await getRun(d.db, caller(fx.orgId), { datasetId: fx.datasetId, runId: run.first });
    expect(got.result!.clusters.map((c) => c.label)).to.deep.equal([
      "sourdough, flour",
      '=HYPERLINK("http://evil"), build',
    ]);
    expect(got.result).to.not.have.any.keys("map", "assignments");
    expect(await codeOf(getRun(d.db, stranger, { datasetId: fx.datasetId, runId: run.first }))).to.equal("NOT_FOUND");
    expect(
      await codeOf(
        getRun(d.db, caller(fx.orgId), { datasetId: fx.datasetId, runId: "00000000-0000-4000-8000-000000000000" }),
      ),
    ).to.equal("NOT_FOUND");
  });

  it("the map: its points when done, CONFLICT while queued or failed, NOT_FOUND for a run made without one", async () => {
    const map = await getMap(d.db, caller(fx.orgId), { datasetId: fx.datasetId, runId: run.first });
    expect(map.ids).to.deep.equal(chunkIds);
    expect(map.cluster).to.deep.equal([0, 0, 1, 1]);
    for (const runId of [run.queued, run.failed])
      expect(await codeOf(getMap(d.db, caller(fx.orgId), { datasetId: fx.datasetId, runId }))).to.equal("CONFLICT");
    expect(await codeOf(getMap(d.db, caller(fx.orgId), { datasetId: fx.datasetId, runId: run.second }))).to.equal(
      "NOT_FOUND",
    );
    expect(await codeOf(getMap(d.db, stranger, { datasetId: fx.datasetId, runId: run.first }))).to.equal("NOT_FOUND");
  });

  it("exports one row per chunk with its conversation and start; CSV neutralises formula prefixes", async () => {
    const json = await exportRun(d.db, caller(fx.orgId), { datasetId: fx.datasetId, runId: run.first, format: "json" });
    if (json.format !== "json") throw new Error("expected JSON");
    expect(json.data.assignments.map((a) => [a.chunkId, a.topic, a.conversation, a.start])).to.deep.equal([
      [chunkIds[0], 0, "Bakery", "2024-02-01T08:00:00.000Z"],
      [chunkIds[1], 0, "Bakery", "2024-02-02T08:00:00.000Z"],
      [chunkIds[2], 1, "=cmd|' /C calc'!A0", "2024-02-03T10:00:00.000Z"],
      [chunkIds[3], 1, "=cmd|' /C calc'!A0", "2024-02-04T10:00:00.000Z"],
    ]);
    const csv = await exportRun(d.db, caller(fx.orgId), { datasetId: fx.datasetId, runId: run.first, format: "csv" });
    if (csv.format !== "csv") throw new Error("expected CSV");
    expect(csv.filename).to.equal(`topics-${run.first.slice(0, 8)}.csv`);
    const rows = parse(csv.csv, { columns: true }) as Record<string, string>[];
    expect(rows).to.have.length(4);
    for (const r of rows) for (const v of [r.conversation!, r.topic_label!]) expect(v).to.not.match(/^[=+\-@]/);
    expect(rows[2]!.topic_label).to.equal(`'=HYPERLINK("http://evil"), build`);
    expect(rows[2]!.conversation).to.equal(`'=cmd|' /C calc'!A0`);
    expect(
      await codeOf(exportRun(d.db, caller(fx.orgId), { datasetId: fx.datasetId, runId: run.queued, format: "json" })),
    ).to.equal("CONFLICT");
  });

  it("compares two completed runs by their shared chunks; a queued run cannot be compared", async () => {
    const cmp = await compareRuns(d.db, caller(fx.orgId), {
      datasetId: fx.datasetId,
      runId: run.first,
      otherRunId: run.second,
    });
    expect(cmp.before).to.deep.equal({ runId: run.first, indexVersion: "v1", k: 2 });
    expect(cmp.after).to.deep.equal({ runId: run.second, indexVersion: "v2", k: 2 });
    expect(cmp.method).to.equal("jaccard");
    const bread = cmp.matched.find((m) => m.before === 0)!;
    expect(bread).to.deep.include({ after: 0, sizeBefore: 2, sizeAfter: 3, change: "grown" });
    const build = cmp.matched.find((m) => m.before === 1)!;
    expect(build).to.deep.include({ after: 1, sizeBefore: 2, sizeAfter: 1, change: "shrunk" });
    expect(
      await codeOf(
        compareRuns(d.db, caller(fx.orgId), { datasetId: fx.datasetId, runId: run.first, otherRunId: run.queued }),
      ),
    ).to.equal("CONFLICT");
    expect(
      await codeOf(compareRuns(d.db, stranger, { datasetId: fx.datasetId, runId: run.first, otherRunId: run.second })),
    ).to.equal("NOT_FOUND");
  });

  it("locates a chunk's messages in its conversation, within the caller's org only", async () => {
    const where = await locateChunk(d.db, caller(fx.orgId), { datasetId: fx.datasetId, chunkId: chunkIds[2]! });
    expect(where).to.deep.equal({
      chunkId: chunkIds[2],
      conversationId: fx.conversationIds["=cmd|' /C calc'!A0"],
      messageIds: [fx.messageIds[3], fx.messageIds[4]],
      start: "2024-02-03T10:00:00.000Z",
      end: "2024-02-03T10:05:00.000Z",
    });
    expect(
      await codeOf(locateChunk(d.db, caller(fx.orgId), { datasetId: fx.datasetId, chunkId: "no-such-chunk" })),
    ).to.equal("NOT_FOUND");
    expect(await codeOf(locateChunk(d.db, stranger, { datasetId: fx.datasetId, chunkId: chunkIds[2]! }))).to.equal(
      "NOT_FOUND",
    );
  });
});
