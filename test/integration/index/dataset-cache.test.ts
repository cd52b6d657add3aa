import { expect } from "chai";
import { eq } from "drizzle-orm";
import { datasets } from "../../../models/schema.ts";
import type { TestPlatform } from "../../helpers/platform.ts";
import { signUp, type Account } from "../auth/fixtures.ts";
import { CONVERSATIONS } from "./fixtures.ts";
import { search, seedIndexedDataset, startIndexPlatform } from "./helpers.ts";

// The index service remembers dataset ownership rows for a few seconds (services/index/dataset-cache.ts).
// These tests run well inside that TTL: what they show comes from the invalidation, not from expiry.
describe("index: cached dataset ownership", function () {
  this.timeout(720_000);
  let p: TestPlatform;
  let a: Account;
  let b: Account;
  const query = { query: "leaking pipe behind the dishwasher", mode: "semantic" } as const;

  before(async () => {
    p = await startIndexPlatform();
    a = await signUp(p);
    b = await signUp(p);
  });
  after(async () => p?.stop());

  it("another org gets 404 for a dataset whose row the owner's search just cached", async () => {
    const ds = await seedIndexedDataset(p, a, CONVERSATIONS.slice(0, 2));
    const own = await search(p.baseUrl, a.accessToken, { datasetId: ds.datasetId, ...query });
    expect(own.status, JSON.stringify(own.body)).to.equal(200);
    expect(own.body.items).to.not.be.empty;
    const other = await search(p.baseUrl, b.accessToken, { datasetId: ds.datasetId, ...query });
    expect(other.status).to.equal(404);
    // The owner node's own check, called as another org: nothing, though the row is cached for org A.
    const [row] = await p.database.db.select().from(datasets).where(eq(datasets.id, ds.datasetId));
    const vector = Buffer.from(new Float32Array(512).fill(0.01).buffer).toString("base64");
    const direct = await p.broker.call<{ hits: unknown[] }, Record<string, unknown>>("index.vectorSearch", {
      orgId: b.orgId,
      datasetId: ds.datasetId,
      modelId: row!.modelId,
      vector,
      k: 10,
    });
    expect(direct.hits).to.deep.equal([]);
  });

  it("a deleted dataset is not searchable right after dataset.deleted, within the cache TTL", async () => {
    const ds = await seedIndexedDataset(p, a, CONVERSATIONS.slice(0, 2));
    const before = await search(p.baseUrl, a.accessToken, { datasetId: ds.datasetId, ...query });
    expect(before.status, JSON.stringify(before.body)).to.equal(200);
    expect(before.body.items).to.not.be.empty;

    // What the ingest service does on DELETE /api/datasets/:id.
    await p.database.db.delete(datasets).where(eq(datasets.id, ds.datasetId));
    await p.broker.emit("dataset.deleted", { orgId: a.orgId, datasetId: ds.datasetId });

    const after = await search(p.baseUrl, a.accessToken, { datasetId: ds.datasetId, ...query });
    expect(after.status, JSON.stringify(after.body)).to.equal(404);
  });

  it("before dataset.deleted arrives, a deleted dataset's cached row still shows nothing: its chunks went with it", async () => {
    const ds = await seedIndexedDataset(p, a, CONVERSATIONS.slice(0, 2));
    expect((await search(p.baseUrl, a.accessToken, { datasetId: ds.datasetId, ...query })).body.items).to.not.be.empty;
    await p.database.db.delete(datasets).where(eq(datasets.id, ds.datasetId));
    const res = await search(p.baseUrl, a.accessToken, { datasetId: ds.datasetId, ...query });
    // 200 while the row is cached (the usual case here), 404 on a machine slow enough to pass the TTL.
    expect([200, 404]).to.include(res.status);
    if (res.status === 200) expect(res.body.items).to.deep.equal([]);
    await p.broker.emit("dataset.deleted", { orgId: a.orgId, datasetId: ds.datasetId });
  });
});
