import { expect } from "chai";
import { desc, eq } from "drizzle-orm";
import type { Context, ServiceSchema } from "moleculer";
import { dbMixin, type DbService } from "../../../mixins/db.mixin.ts";
import type { CallMeta } from "../../../core/permissions.ts";
import { findOwned, scope, tenantCache, tenantMixin } from "../../../mixins/tenant.mixin.ts";
import { datasets } from "../../../models/schema.ts";
import { http } from "../../helpers/http.ts";
import type { TestPlatform } from "../../helpers/platform.ts";
import { signUp, startAuthPlatform, type Account } from "./fixtures.ts";

/** A tenant-data service as other services write them: tenant mixin, cached reads. */
function probeService(p: TestPlatform): ServiceSchema {
  let reads = 0;
  return {
    name: "probe",
    mixins: [dbMixin(p.app), tenantMixin()],
    actions: {
      getDataset: {
        visibility: "published",
        permissions: ["datasets.read"],
        cache: tenantCache("id"),
        params: { id: "uuid" },
        async handler(this: DbService, ctx: Context<{ id: string }, CallMeta>) {
          reads++;
          return findOwned(this.db, ctx, datasets, ctx.params.id, "Dataset");
        },
      },
      listDatasets: {
        visibility: "published",
        permissions: ["datasets.read"],
        cache: tenantCache(),
        params: {},
        async handler(this: DbService, ctx: Context<unknown, CallMeta>) {
          return this.db.select().from(datasets).where(scope(ctx, datasets)).orderBy(desc(datasets.createdAt));
        },
      },
      renameDataset: {
        visibility: "published",
        permissions: ["datasets.write"],
        params: { id: "uuid", name: "string" },
        async handler(this: DbService, ctx: Context<{ id: string; name: string }, CallMeta>) {
          const rows = await this.db
            .update(datasets)
            .set({ name: ctx.params.name })
            .where(scope(ctx, datasets, eqId(ctx.params.id)))
            .returning();
          if (!rows.length) throw Object.assign(new Error("Dataset not found"), { code: 404, type: "NOT_FOUND" });
          return rows[0];
        },
      },
      deleteDataset: {
        visibility: "published",
        permissions: ["datasets.delete"],
        params: { id: "uuid" },
        async handler(this: DbService, ctx: Context<{ id: string }, CallMeta>) {
          const row = await findOwned(this.db, ctx, datasets, ctx.params.id, "Dataset");
          await this.db.delete(datasets).where(scope(ctx, datasets, eqId(row.id)));
          return { ok: true };
        },
      },
      reads: { visibility: "public", handler: () => reads },
    },
  };
}

const eqId = (id: string) => eq(datasets.id, id);

describe("tenant mixin: organisation A never sees organisation B's data", function () {
  let p: TestPlatform;
  let a: Account;
  let b: Account;
  let dsA: string;
  let dsB: string;
  const metaOf = async (acc: Account) => ({
    auth: await p.broker.call("auth.resolveCredential", { token: acc.accessToken }),
  });

  before(async () => {
    p = await startAuthPlatform();
    p.broker.createService(probeService(p));
    await p.broker.waitForServices(["probe"]);
    a = await signUp(p);
    b = await signUp(p);
    const [x] = await p.database.db
      .insert(datasets)
      .values({ orgId: a.orgId, name: "A's chats", modelId: "m" })
      .returning();
    const [y] = await p.database.db
      .insert(datasets)
      .values({ orgId: b.orgId, name: "B's chats", modelId: "m" })
      .returning();
    dsA = x!.id;
    dsB = y!.id;
  });
  after(async () => p?.stop());

  it("reads its own row and gets 404 (not 403) for another org's id", async () => {
    const meta = await metaOf(a);
    expect((await p.broker.call<any, any>("probe.getDataset", { id: dsA }, { meta })).name).to.equal("A's chats");
    const err: any = await p.broker.call("probe.getDataset", { id: dsB }, { meta }).catch((e: any) => e);
    expect(err.code).to.equal(404);
    expect(err.type).to.equal("NOT_FOUND");
  });

  it("the cache keeps orgs apart: B's cached answer is never served to A", async () => {
    const metaB = await metaOf(b);
    const metaA = await metaOf(a);
    expect((await p.broker.call<any, any>("probe.getDataset", { id: dsB }, { meta: metaB })).name).to.equal(
      "B's chats",
    );
    const before = await p.broker.call<number>("probe.reads");
    // Same params, other org: must miss the cache and be refused.
    const err: any = await p.broker.call("probe.getDataset", { id: dsB }, { meta: metaA }).catch((e: any) => e);
    expect(err.code).to.equal(404);
    expect(await p.broker.call<number>("probe.reads")).to.equal(before + 1);
    const listA = await p.broker.call<any[], object>("probe.listDatasets", {}, { meta: metaA });
    const listB = await p.broker.call<any[], object>("probe.listDatasets", {}, { meta: metaB });
    expect(listA.map((d) => d.name)).to.deep.equal(["A's chats"]);
    expect(listB.map((d) => d.name)).to.deep.equal(["B's chats"]);
  });

  it("#auth.orgId (a dot path into meta) is part of the cache key", () => {
    const key = p.broker.cacher!.getCacheKey("probe.getDataset", { id: dsA }, { auth: { orgId: a.orgId } }, [
      "#auth.orgId",
      "id",
    ]);
    expect(key).to.contain(a.orgId).and.contain(dsA);
  });

  it("cannot change or delete another org's row by id", async () => {
    const meta = await metaOf(a);
    expect(
      await p.broker.call("probe.renameDataset", { id: dsB, name: "pwned" }, { meta }).catch((e) => e.code),
    ).to.equal(404);
    expect(await p.broker.call("probe.deleteDataset", { id: dsB }, { meta }).catch((e) => e.code)).to.equal(404);
    const metaB = await metaOf(b);
    p.broker.cacher!.clean();
    expect((await p.broker.call<any, any>("probe.getDataset", { id: dsB }, { meta: metaB })).name).to.equal(
      "B's chats",
    );
  });

  it("refuses a service whose tenant action caches without the org in its key", () => {
    expect(() =>
      p.broker.createService({
        name: "leaky",
        mixins: [tenantMixin()],
        actions: {
          list: { visibility: "published", permissions: ["datasets.read"], cache: { keys: ["id"] }, handler: () => [] },
        },
      }),
    ).to.throw(/#auth.orgId/);
    expect(() =>
      p.broker.createService({
        name: "leaky2",
        mixins: [tenantMixin()],
        actions: { list: { visibility: "published", permissions: ["datasets.read"], cache: true, handler: () => [] } },
      }),
    ).to.throw(/#auth.orgId/);
  });

  it("an org's API key and members reach only that org (HTTP)", async () => {
    const members = await http(p.baseUrl, "GET", "/api/auth/members", { token: a.accessToken });
    expect(members.body.items.map((m) => m.userId)).to.deep.equal([a.userId]);
    const switchToB = await http(p.baseUrl, "POST", "/api/auth/orgs/switch", {
      token: a.accessToken,
      body: { orgId: b.orgId },
    });
    expect(switchToB.status).to.equal(404);
    const removeB = await http(p.baseUrl, "DELETE", `/api/auth/members/${b.userId}`, { token: a.accessToken });
    expect(removeB.status).to.equal(404);
    const key = await http(p.baseUrl, "POST", "/api/auth/api-keys", {
      token: b.accessToken,
      body: { name: "b", permissions: ["members.read"] },
    });
    const revokeFromA = await http(p.baseUrl, "DELETE", `/api/auth/api-keys/${key.body.apiKey.id}`, {
      token: a.accessToken,
    });
    expect(revokeFromA.status).to.equal(404);
    const viaKey = await http(p.baseUrl, "GET", "/api/auth/members", { token: key.body.key });
    expect(viaKey.body.items.map((m) => m.userId)).to.deep.equal([b.userId]);
  });
});
