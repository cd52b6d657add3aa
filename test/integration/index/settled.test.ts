import { expect } from "chai";
import { embeddings } from "../../../models/schema.ts";
import { markImportChunked, rechunkConversation } from "../../../services/embedder/chunk-store.ts";
import { datasetSettled, pendingChunks } from "../../../services/index/search-sql.ts";
import { isolatedDatabase, type IsolatedDatabase } from "../../helpers/database.ts";
import { createOrgAndDataset, seedImport } from "../embedder/helpers.ts";
import { CONVERSATIONS } from "./fixtures.ts";

/**
 * Chunking and embedding overlap: the first conversation's chunks are embedded while the next is
 * still being chunked. "No chunk without a vector" then held for a moment in the middle of an
 * import, and the index committed half the import as a version of its own (CI: one import made
 * two versions). A dataset is settled only once every completed import is chunked too.
 */
describe("index: a dataset is settled only when its imports are chunked and every chunk has a vector", function () {
  let database: IsolatedDatabase;
  before(async () => (database = await isolatedDatabase("pglite")));
  after(async () => database?.close());

  const embedAll = async (target: { orgId: string; datasetId: string }, chunkIds: string[]) => {
    if (chunkIds.length === 0) return;
    await database.db.insert(embeddings).values(
      chunkIds.map((chunkId) => ({
        chunkId,
        modelId: "use-lite",
        datasetId: target.datasetId,
        orgId: target.orgId,
        dimension: 2,
        vector: Buffer.alloc(8),
      })),
    );
  };

  it("is not settled between two conversations of one import, and is once the import is marked chunked", async () => {
    const db = database.db;
    const target = await createOrgAndDataset(db);
    const key = { datasetId: target.datasetId, modelId: "use-lite" };
    const seeded = await seedImport(db, target, CONVERSATIONS.slice(0, 2));

    // The first conversation chunked and embedded; the second not chunked yet.
    const first: string[] = [];
    await rechunkConversation(db, target.orgId, target.datasetId, seeded.conversationIds[0]!, {
      onInserted: async (ids) => void first.push(...ids),
    });
    await embedAll(target, first);
    expect(await pendingChunks(db, key)).to.equal(0);
    expect(await datasetSettled(db, key), "settled in the middle of the import").to.equal(false);

    const second: string[] = [];
    await rechunkConversation(db, target.orgId, target.datasetId, seeded.conversationIds[1]!, {
      onInserted: async (ids) => void second.push(...ids),
    });
    expect(second.length).to.be.greaterThan(0);
    await markImportChunked(db, { ...target, importId: seeded.importId });
    expect(await datasetSettled(db, key), "settled with chunks still waiting for vectors").to.equal(false);

    await embedAll(target, second);
    expect(await datasetSettled(db, key)).to.equal(true);
  });
});
