import { expect } from "chai";
import type { TestPlatform } from "../../helpers/platform.ts";
import { signUp, type Account } from "../auth/fixtures.ts";
import { CONVERSATIONS } from "./fixtures.ts";
import { search, seedIndexedDataset, startIndexPlatform } from "./helpers.ts";

describe("index: keyword, semantic and hybrid search over HTTP", function () {
  this.timeout(180_000);
  let p: TestPlatform;
  let a: Account;
  let ds: { datasetId: string; conversationIds: string[] };

  before(async () => {
    p = await startIndexPlatform();
    a = await signUp(p);
    ds = await seedIndexedDataset(p, a, CONVERSATIONS);
  });
  after(async () => p?.stop());

  it("finds a message by its words (keyword) with highlights, context and scores", async () => {
    const res = await search(p.baseUrl, a.accessToken, { datasetId: ds.datasetId, query: "leaking pipe", mode: "keyword" });
    expect(res.status, JSON.stringify(res.body)).to.equal(200);
    console.log(JSON.stringify(res.body, null, 1).slice(0, 3000));
  });

  it("finds a paraphrase (semantic) and fuses both (hybrid)", async () => {
    for (const mode of ["semantic", "hybrid"]) {
      const res = await search(p.baseUrl, a.accessToken, { datasetId: ds.datasetId, query: "the counter surface was delivered in the wrong size", mode });
      expect(res.status, JSON.stringify(res.body)).to.equal(200);
      console.log(mode, res.body.items.slice(0, 3).map((i: any) => [i.message.text, i.scores, i.highlights]));
    }
  });
});
