import { expect } from "chai";
import { access } from "node:fs/promises";
import { and, eq, inArray } from "drizzle-orm";
import { chunks, conversations, datasets } from "../../../models/schema.ts";
import { indexDir } from "../../../services/index/index-key.ts";
import { caller, http, httpRaw } from "../../helpers/http.ts";
import type { TestPlatform } from "../../helpers/platform.ts";
import { addMember, signUp, type Account } from "../auth/fixtures.ts";
import { seedImport, waitFor } from "../embedder/helpers.ts";
import { CONVERSATIONS } from "./fixtures.ts";
import { search, seedIndexedDataset, startIndexPlatform, waitIndexed } from "./helpers.ts";

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

describe("index: versions, pinning, rollback, rebuild and deletions", function () {
  this.timeout(900_000);
  let p: TestPlatform;
  let a: Account;
  let b: Account;
  let ds: { datasetId: string; conversationIds: string[] };
  /** The dataset's index path with `suffix`: `url("/versions")` is typed as that path. */
  const url = <S extends string>(suffix: S) => `/api/datasets/${ds.datasetId}/index${suffix}` as const;
  const call = caller(() => p.baseUrl);
  const hitTexts = async (query: string, extra: Record<string, unknown> = {}) => {
    const res = await search(p.baseUrl, a.accessToken, {
      datasetId: ds.datasetId,
      query,
      mode: "semantic",
      pageSize: 50,
      ...extra,
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    return res.body.items.map((i) => i.message.text);
  };

  before(async () => {
    // Versions here are one per real change: on a busy machine an embedding can outlast the 30 s
    // interval, which would commit a partial version between them.
    p = await startIndexPlatform({ INDEX_KEEP_VERSIONS: "2", INDEX_COMMIT_INTERVAL_S: "3600" });
    a = await signUp(p);
    b = await signUp(p);
    ds = await seedIndexedDataset(p, a, CONVERSATIONS.slice(0, 2));
  });
  after(async () => p?.stop());

  it("indexes an import embedded in many batches as one version with a full manifest", async () => {
    const list = await call("GET", url("/versions"), a.accessToken);
    expect(list.status).to.equal(200);
    // EMBED_BATCH_CHUNKS is 8 in tests: several embeddings.stored batches, one version.
    expect(list.body.items).to.have.length(1);
    const [v1] = list.body.items;
    expect(v1.version).to.equal(1);
    expect(v1.manifest).to.include({ datasetId: ds.datasetId, modelId: "use-lite", dimension: 512 });
    expect(v1.manifest.chunkingVersion).to.match(/^chunk-v2;/);
    expect(v1.manifest.importIds).to.have.length(1);
    expect(v1.manifest.engine.kind).to.equal("flat");
    expect(Object.keys(v1.manifest.checksums).sort()).to.deep.equal(["chunks.tsv", "index.faiss", "index.json"]);
    const status = await call("GET", url(""), a.accessToken);
    expect(status.body).to.include({ latestVersion: 1, pinnedVersion: null, pendingChunks: 0 });
    expect(status.body.index!.count).to.equal(v1.manifest.vectorCount);
  });

  it("a second import makes version 2; compare shows the added chunks; pinning v1 makes searches use it; unpin returns to live", async () => {
    const seeded = await seedImport(p.database.db, { orgId: a.orgId, datasetId: ds.datasetId }, [CONVERSATIONS[2]!]);
    await p.broker.emit("import.completed", { ...seeded, messagesAdded: CONVERSATIONS[2]!.messages.length });
    await waitIndexed(p, a, ds.datasetId);
    const list = (await call("GET", url("/versions"), a.accessToken)).body.items;
    expect(list.map((v) => v.version)).to.deep.equal([2, 1]);
    expect(list[0].manifest.importIds).to.have.length(2);

    const diff = await call("GET", url("/versions/1/compare/2"), a.accessToken);
    expect(diff.status).to.equal(200);
    const puppyChunks = await p.database.db
      .select({ id: chunks.id })
      .from(chunks)
      .where(eq(chunks.conversationId, seeded.conversationIds[0]!));
    expect(diff.body.added.sort()).to.deep.equal(puppyChunks.map((c) => c.id).sort());
    expect(diff.body.removed).to.deep.equal([]);
    expect(diff.body.toCount - diff.body.fromCount).to.equal(puppyChunks.length);

    expect(await hitTexts("golden retriever puppy")).to.include(
      "We picked up the puppy today, a golden retriever called Biscuit!",
    );
    const pin = await call("POST", url("/pin"), a.accessToken, { version: 1 });
    expect(pin.status, JSON.stringify(pin.body)).to.equal(200);
    expect((await call("GET", url(""), a.accessToken)).body.pinnedVersion).to.equal(1);
    expect(await hitTexts("golden retriever puppy")).to.not.include(
      "We picked up the puppy today, a golden retriever called Biscuit!",
    );
    const unpin = await http(p.baseUrl, "DELETE", url("/pin"), { token: a.accessToken });
    expect(unpin.status).to.equal(200);
    expect(await hitTexts("golden retriever puppy")).to.include(
      "We picked up the puppy today, a golden retriever called Biscuit!",
    );
  });

  it("federated over versions: each hit says which version it came from, duplicates merged", async () => {
    const res = await search(p.baseUrl, a.accessToken, {
      datasetId: ds.datasetId,
      query: "golden retriever puppy",
      mode: "semantic",
      versions: [1, 2],
      pageSize: 50,
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    const items = res.body.items as {
      version: number;
      chunkId: string;
      message: { text: string };
      alsoIn?: { version: number }[];
    }[];
    expect(new Set(items.map((i) => i.chunkId)).size).to.equal(items.length);
    const biscuit = items.find((i) => /Biscuit/.test(i.message.text))!;
    expect(biscuit.version).to.equal(2);
    const shared = items.find((i) => i.alsoIn?.length)!;
    expect([shared.version, ...shared.alsoIn!.map((x) => x.version)].sort()).to.deep.equal([1, 2]);
    expect(
      (
        await search(p.baseUrl, a.accessToken, {
          datasetId: ds.datasetId,
          query: "x",
          mode: "semantic",
          versions: [99],
        })
      ).status,
    ).to.equal(404);
  });

  it("rolls back to v1 as a new version; retention keeps the last 2 plus the pinned one", async () => {
    expect((await call("POST", url("/pin"), a.accessToken, { version: 1 })).status).to.equal(200);
    const back = await call("POST", url("/rollback"), a.accessToken, { version: 1 });
    expect(back.status, JSON.stringify(back.body)).to.equal(200);
    expect(back.body).to.include({ version: 3, restoredFrom: 1 });
    expect((await call("GET", url(""), a.accessToken)).body.index!.count).to.equal(back.body.manifest.vectorCount);
    // A rebuild from the stored vectors brings the puppy chunks back as version 4.
    const rebuilt = await call("POST", url("/rebuild"), a.accessToken, {});
    expect(rebuilt.status, JSON.stringify(rebuilt.body)).to.equal(200);
    expect(rebuilt.body.version).to.equal(4);
    const versions = (await call("GET", url("/versions"), a.accessToken)).body.items.map((v) => [v.version, v.pinned]);
    expect(versions).to.deep.equal([
      [4, false],
      [3, false],
      [1, true],
    ]);
    expect((await http(p.baseUrl, "DELETE", url("/pin"), { token: a.accessToken })).status).to.equal(200);
    expect((await call("GET", url("/versions"), a.accessToken)).body.items.map((v) => v.version)).to.deep.equal([4, 3]);
  });

  it("removes vectors of deleted chunks (re-chunking) and of deleted conversations", async () => {
    const db = p.database.db;
    const before = (await call("GET", url(""), a.accessToken)).body.index!.count;
    const puppyConv = (
      await db
        .select()
        .from(conversations)
        .where(and(eq(conversations.datasetId, ds.datasetId), eq(conversations.sourceKey, "new-puppy")))
    )[0]!;
    const gone = await db.select({ id: chunks.id }).from(chunks).where(eq(chunks.conversationId, puppyConv.id));
    await db.delete(chunks).where(inArray(chunks.id, [gone[0]!.id]));
    await p.broker.emit("chunks.deleted", { orgId: a.orgId, datasetId: ds.datasetId, chunkIds: [gone[0]!.id] });
    await waitFor(
      "the chunk to leave the index",
      async () => (await call("GET", url(""), a.accessToken)).body.index!.count === before - 1,
    );
    await db.delete(conversations).where(eq(conversations.id, puppyConv.id));
    await p.broker.emit("conversation.deleted", { orgId: a.orgId, datasetId: ds.datasetId });
    await waitFor(
      "the conversation's chunks to leave the index",
      async () => (await call("GET", url(""), a.accessToken)).body.index!.count === before - gone.length,
    );
    expect(await hitTexts("golden retriever puppy")).to.not.include(
      "We picked up the puppy today, a golden retriever called Biscuit!",
    );
  });

  it("admins rebuild; viewers read versions but may not pin, roll back or rebuild; other orgs get 404; bad versions 404/422", async () => {
    const viewer = await addMember(p, a, "viewer");
    expect((await call("GET", url("/versions"), viewer.accessToken)).status).to.equal(200);
    expect((await call("POST", url("/rebuild"), viewer.accessToken, {})).status).to.equal(403);
    expect((await call("POST", url("/pin"), viewer.accessToken, { version: 4 })).status).to.equal(403);
    expect((await call("POST", url("/rollback"), viewer.accessToken, { version: 4 })).status).to.equal(403);
    for (const [method, suffix] of [
      ["GET", ""],
      ["GET", "/versions"],
      ["GET", "/versions/3/compare/4"],
      ["POST", "/rebuild"],
      ["POST", "/rollback"],
      ["POST", "/pin"],
      ["DELETE", "/pin"],
    ] as const) {
      const body =
        (suffix === "/pin" && method === "POST") || suffix === "/rollback"
          ? { version: 3 }
          : method === "POST"
            ? {}
            : undefined;
      const res = await httpRaw(p.baseUrl, method, url(suffix), { token: b.accessToken, body });
      expect(res.status, `${method} ${suffix}`).to.equal(404);
      expect((await httpRaw(p.baseUrl, method, url(suffix), { body })).status).to.equal(401);
    }
    expect((await call("POST", url("/pin"), a.accessToken, { version: 99 })).status).to.equal(404);
    expect((await call("POST", url("/rollback"), a.accessToken, { version: 0 })).status).to.equal(422);
    expect((await call("GET", url("/versions/1/compare/4"), a.accessToken)).status).to.equal(404);
  });

  it("dataset.deleted drops the dataset's index files and versions", async () => {
    const dir = indexDir(p.config.indexDir, { datasetId: ds.datasetId, modelId: "use-lite" });
    expect(await exists(dir)).to.equal(true);
    // What ingest.deleteDataset does: the rows go by cascade, then the event.
    await p.database.db.delete(datasets).where(eq(datasets.id, ds.datasetId));
    await p.broker.emit("dataset.deleted", { orgId: a.orgId, datasetId: ds.datasetId });
    await waitFor("the index files to go", async () => !(await exists(dir)));
    const store = (
      p.broker.getLocalService("index") as unknown as { store: { versions: { list(k: object): Promise<unknown[]> } } }
    ).store;
    expect(await store.versions.list({ datasetId: ds.datasetId, modelId: "use-lite" })).to.deep.equal([]);
  });
});
