import { expect } from "chai";
import { datasets, orgs } from "../../../../models/schema.ts";
import { analyzer } from "../../../../services/index/keyword/analyzer.ts";
import { KeywordStore } from "../../../../services/index/keyword/keyword-store.ts";
import { parseKeywordQuery } from "../../../../services/index/keyword/query.ts";
import { isolatedDatabase, type IsolatedDatabase } from "../../../helpers/database.ts";
import { seedImport, waitFor } from "../../../integration/embedder/helpers.ts";

// The keyword store follows the database: a small dataset's next search waits for the rebuild and
// sees the change at once; a big one's keeps answering from the previous index while the rebuild
// runs (here "big" is lowered to 1 message), then switches; a warm-up builds before any search.
describe("index: keyword store (in-memory BM25 indexes kept level with the messages)", function () {
  this.timeout(120_000);
  let database: IsolatedDatabase;
  let target: { orgId: string; datasetId: string };
  const options = {
    params: { k1: 1.2, b: 0.75 },
    windowMessages: 40,
    windowGapMinutes: 30,
    language: "en" as const,
    maxDatasets: 4,
  };
  const texts = async (store: KeywordStore, q: string) => {
    const [k] = await store.get([target.datasetId]);
    return k!.index
      .search(parseKeywordQuery(q, analyzer("en")), { limit: 10 })
      .map((h) => k!.index.text(h.messageIndex));
  };

  beforeEach(async () => {
    database = await isolatedDatabase("pglite");
    const [org] = await database.db.insert(orgs).values({ name: "kw" }).returning({ id: orgs.id });
    const [ds] = await database.db
      .insert(datasets)
      .values({ orgId: org!.id, name: "kw", modelId: "use-lite" })
      .returning({ id: datasets.id });
    target = { orgId: org!.id, datasetId: ds!.id };
    await seedImport(database.db, target, [
      {
        key: "a",
        messages: [
          { text: "the wifi keeps dropping after suspend", at: 0 },
          { text: "try rfkill", at: 1 },
        ],
      },
    ]);
  });
  afterEach(() => database.close());

  it("a small dataset: the search after an import sees the new messages", async () => {
    const store = new KeywordStore(database.db, options);
    expect(await texts(store, "grub")).to.deep.equal([]);
    await seedImport(database.db, target, [{ key: "b", messages: [{ text: "edit /boot/grub/menu.lst", at: 0 }] }]);
    expect(await texts(store, "grub")).to.deep.equal(["edit /boot/grub/menu.lst"]);
  });

  it("a big dataset: searches use the previous index while the rebuild runs, then the new one", async () => {
    const store = new KeywordStore(database.db, { ...options, backgroundRebuildAbove: 1 });
    expect(await texts(store, "wifi")).to.deep.equal(["the wifi keeps dropping after suspend"]);
    await seedImport(database.db, target, [{ key: "b", messages: [{ text: "edit /boot/grub/menu.lst", at: 0 }] }]);
    // The first search after the change answers at once from the index it had.
    expect(await texts(store, "grub")).to.deep.equal([]);
    await waitFor("the rebuilt index", async () => (await texts(store, "grub")).length > 0 || null);
    expect(await texts(store, "grub")).to.deep.equal(["edit /boot/grub/menu.lst"]);
    expect(store.isBuilding(target.datasetId)).to.equal(false);
  });

  it("warm() builds the index before any search asks", async () => {
    const store = new KeywordStore(database.db, options);
    expect(store.holds(target.datasetId)).to.equal(false);
    await store.warm(target.datasetId);
    expect(store.holds(target.datasetId)).to.equal(true);
    expect(await texts(store, "rfkill")).to.deep.equal(["try rfkill"]);
  });
});
