import { randomUUID } from "node:crypto";
import { expect } from "chai";
import { eq } from "drizzle-orm";
import type { CallMeta } from "../../../core/permissions.ts";
import { ROLE_PERMISSIONS } from "../../../core/permissions.ts";
import { chunks, datasets, orgs } from "../../../models/schema.ts";
import { NO_RETRY } from "../../../services/index/contracts.ts";
import type { CallOptions, Caller, IndexDeps } from "../../../services/index/deps.ts";
import { IndexStore } from "../../../services/index/index-store.ts";
import { manage, manageDataset } from "../../../services/index/version-management.ts";
import { setPinnedVersion } from "../../../services/ingest/datasets.ts";
import { addChunks, createChatDataset, type ChatFixture, type FixtureMessage } from "../../helpers/chat-fixtures.ts";
import { isolatedDatabase, type IsolatedDatabase } from "../../helpers/database.ts";
import { tempDir } from "../../unit/index/helpers.ts";

const DIM = 8;
const CHAT: FixtureMessage[] = Array.from({ length: 12 }, (_, i) => ({
  conversation: i < 6 ? "plants" : "bikes",
  author: i % 2 ? "Ines" : "Omar",
  at: new Date(Date.UTC(2024, 3, 1, 9, i)).toISOString(),
  text: i < 6 ? `repot the monstera, week ${i}` : `true the rear wheel, spoke ${i}`,
}));
/** Two well-separated groups of unit-ish vectors. */
const vectorOf = (i: number) =>
  Array.from({ length: DIM }, (_, d) => (d === (i < 6 ? 0 : 1) ? 1 : 0) + ((i * 7 + d * 3) % 5) / 100);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { type?: string }).type ?? String(err);
  }
  return "no error";
}

describe("index use cases: version management (status, rebuild, pin, unpin, compare, rollback)", function () {
  this.timeout(120_000);
  let d: IsolatedDatabase;
  let fx: ChatFixture;
  let store: IndexStore;
  let cleanup: () => Promise<void>;
  let deps: IndexDeps;
  /** Broker calls the use cases made as this node (forgetDataset on every index node). */
  const nodeCalls: { action: string; params: unknown; options?: CallOptions }[] = [];
  const ownerSet: unknown[] = [];
  const p = (op: Parameters<typeof manage>[1]["op"], extra: { version?: number; to?: number } = {}) => ({
    orgId: fx.orgId,
    datasetId: fx.datasetId,
    modelId: fx.modelId,
    op,
    ...extra,
  });

  before(async () => {
    d = await isolatedDatabase("pglite");
    fx = await createChatDataset(d.db, { name: "hobbies", modelId: "use-lite", messages: CHAT });
    const t = await tempDir("version-management");
    cleanup = t.cleanup;
    store = await IndexStore.open({
      root: t.dir,
      memoryBudgetBytes: 64 * 1024 * 1024,
      exactThreshold: 10_000,
      keepVersions: 5,
      commitIntervalMs: 60_000,
      gcDelayMs: 60_000,
      sources: async () => ({ chunkingVersion: "v1", importIds: [] }),
      onCommitError: (_k, e) => {
        throw e;
      },
    });
    deps = {
      db: d.db,
      searchDb: d.db,
      logger: { info: () => {}, warn: () => {}, error: () => {} },
      store,
      // Catching up after a change of the index nodes is IndexOwnership's (ownership.test.ts).
      ownership: { ensureCurrent: async () => {}, setByOwner: (k: unknown) => void ownerSet.push(k) },
      node: {
        nodeID: "index-1",
        call: async (action: string, params: unknown, options?: CallOptions) => {
          nodeCalls.push({ action, params, ...(options ? { options } : {}) });
          // The dataset row is ingest's: its own use case records the pin, as its action would.
          if (action === "ingest.setPinnedVersion") {
            const pin = params as { datasetId: string; version: number | null };
            await setPinnedVersion(d.db, pin.datasetId, pin.version);
          }
        },
        endpointsOf: () => ["index-1", "index-2"],
        ownerOf: () => "index-1",
      },
    } as unknown as IndexDeps;
  });
  after(async () => {
    await store?.close();
    await cleanup?.();
    await d?.close();
  });

  it("a dataset without stored vectors has no index to rebuild; status says so", async () => {
    expect(await codeOf(manage(deps, p("rebuild")))).to.equal("NOT_ENOUGH_DATA");
    const status = (await manage(deps, p("status"))) as Record<string, unknown>;
    expect(status).to.deep.include({
      datasetId: fx.datasetId,
      nodeID: "index-1",
      index: null,
      latestVersion: null,
      pinnedVersion: null,
      pendingChunks: 0,
    });
  });

  it("rebuilds from the stored vectors, version after version; status counts what is not embedded yet", async () => {
    await addChunks(
      d.db,
      fx,
      CHAT.map((_, i) => ({ messages: [i], vector: vectorOf(i) })),
      CHAT,
    );
    const first = (await manage(deps, p("rebuild"))) as {
      version: number;
      manifest: { vectorCount: number; dimension: number };
    };
    expect(first.version).to.equal(1);
    expect(first.manifest).to.deep.include({ vectorCount: 12, dimension: DIM });
    const second = (await manage(deps, p("rebuild"))) as { version: number };
    expect(second.version).to.equal(2);
    const { items } = (await manage(deps, p("list"))) as { items: { version: number }[] };
    expect(items.map((v) => v.version)).to.deep.equal([2, 1]);
    expect(items[0]).to.not.have.property("commit");
    const status = (await manage(deps, p("status"))) as { latestVersion: number; pendingChunks: number };
    expect(status).to.deep.include({ latestVersion: 2, pendingChunks: 0 });
    // A chunk the embedder has not reached yet.
    await d.db.insert(chunks).values({
      id: randomUUID(),
      orgId: fx.orgId,
      datasetId: fx.datasetId,
      conversationId: fx.conversationIds.bikes!,
      chunkingVersion: "fixture",
      messageIds: [fx.messageIds[11]!],
      text: "late chunk",
      startTs: new Date(CHAT[11]!.at),
      endTs: new Date(CHAT[11]!.at),
    });
    expect(((await manage(deps, p("status"))) as { pendingChunks: number }).pendingChunks).to.equal(1);
  });

  it("pins a version, asks ingest to record it in the dataset's row and tells every index node to forget it; unpin clears both", async () => {
    nodeCalls.length = 0;
    expect(await manage(deps, p("pin", { version: 1 }))).to.deep.equal({ datasetId: fx.datasetId, pinnedVersion: 1 });
    const [row] = await d.db.select().from(datasets).where(eq(datasets.id, fx.datasetId));
    expect(Number(row!.pinnedVersion)).to.equal(1);
    expect(nodeCalls).to.deep.equal([
      { action: "ingest.setPinnedVersion", params: { datasetId: fx.datasetId, version: 1 } },
      { action: "index.forgetDataset", params: { datasetId: fx.datasetId }, options: { nodeID: "index-1" } },
      { action: "index.forgetDataset", params: { datasetId: fx.datasetId }, options: { nodeID: "index-2" } },
    ]);
    expect(((await manage(deps, p("status"))) as { pinnedVersion: number }).pinnedVersion).to.equal(1);
    expect(await manage(deps, p("unpin"))).to.deep.equal({ datasetId: fx.datasetId, pinnedVersion: null });
    const [after] = await d.db.select().from(datasets).where(eq(datasets.id, fx.datasetId));
    expect(after!.pinnedVersion).to.equal(null);
    expect(nodeCalls.slice(3).map((c) => c.params)).to.deep.equal([
      { datasetId: fx.datasetId, version: null },
      { datasetId: fx.datasetId },
      { datasetId: fx.datasetId },
    ]);
  });

  it("a missing version number is a validation error, an unknown one not found", async () => {
    expect(await codeOf(manage(deps, p("pin")))).to.equal("VALIDATION_ERROR");
    expect(await codeOf(manage(deps, p("compare", { version: 1 })))).to.equal("VALIDATION_ERROR");
    expect(await codeOf(manage(deps, p("pin", { version: 99 })))).to.equal("NOT_FOUND");
    expect(await codeOf(manage(deps, p("rollback", { version: 99 })))).to.equal("NOT_FOUND");
    expect(await codeOf(manage(deps, p("compare", { version: 1, to: 99 })))).to.equal("NOT_FOUND");
  });

  it("rolls back to an earlier version as a new one, and marks the index current for this owner", async () => {
    ownerSet.length = 0;
    const rolled = (await manage(deps, p("rollback", { version: 1 }))) as { version: number; restoredFrom: number };
    expect(rolled.version).to.equal(3);
    expect(rolled.restoredFrom).to.equal(1);
    expect(ownerSet).to.deep.equal([{ datasetId: fx.datasetId, modelId: fx.modelId }]);
  });

  it("the published actions check the dataset is the caller's, then route to its owner (rollback and rebuild never retried)", async () => {
    const calls: { action: string; params: Record<string, unknown>; options?: CallOptions }[] = [];
    const as = (orgId: string | null, system = false): Caller => ({
      meta: {
        ...(system ? { system: true } : {}),
        ...(orgId
          ? {
              auth: {
                kind: "user",
                userId: "00000000-0000-4000-8000-0000000000cc",
                orgId,
                role: "admin",
                permissions: [...ROLE_PERMISSIONS.admin],
              },
            }
          : {}),
      } as CallMeta,
      call: async <T>(action: string, params: object, options?: CallOptions) => {
        calls.push({ action, params: params as Record<string, unknown>, ...(options ? { options } : {}) });
        return { routed: action } as T;
      },
    });
    expect(await manageDataset(deps, as(fx.orgId), fx.datasetId, "status")).to.deep.equal({ routed: "index.manage" });
    await manageDataset(deps, as(fx.orgId), fx.datasetId, "rollback", { version: 1 });
    await manageDataset(deps, as(fx.orgId), fx.datasetId, "rebuild");
    expect(calls.map((c) => c.params)).to.deep.equal([
      { orgId: fx.orgId, datasetId: fx.datasetId, modelId: "use-lite", op: "status" },
      { orgId: fx.orgId, datasetId: fx.datasetId, modelId: "use-lite", op: "rollback", version: 1 },
      { orgId: fx.orgId, datasetId: fx.datasetId, modelId: "use-lite", op: "rebuild" },
    ]);
    expect(calls.map((c) => c.options)).to.deep.equal([
      { nodeID: "index-1" },
      { ...NO_RETRY, nodeID: "index-1" },
      { ...NO_RETRY, nodeID: "index-1" },
    ]);
    // Another org's dataset reads as not found; an operator command acts on it by id.
    const [other] = await d.db.insert(orgs).values({ name: "other" }).returning({ id: orgs.id });
    expect(await codeOf(manageDataset(deps, as(other!.id), fx.datasetId, "status"))).to.equal("NOT_FOUND");
    expect(await codeOf(manageDataset(deps, as(null, true), "00000000-0000-4000-8000-000000000000", "list"))).to.equal(
      "NOT_FOUND",
    );
    calls.length = 0;
    await manageDataset(deps, as(null, true), fx.datasetId, "list");
    expect(calls[0]!.params).to.deep.include({ orgId: fx.orgId, op: "list" });
  });
});
