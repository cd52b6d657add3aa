import { expect } from "chai";
import { analyzer } from "../../../../services/index/keyword/analyzer.ts";
import { parseKeywordQuery } from "../../../../services/index/keyword/query.ts";

const en = analyzer("en");

describe("index: keyword query syntax", () => {
  it("parses quoted phrases, OR and minus", () => {
    const q = parseKeywordQuery('"night train" OR bus -"sleeper car" -ticket', en);
    expect(q.phrases).to.deep.equal([["night", "train"]]);
    expect(q.terms).to.have.members(["night", "train", "bus"]);
    expect(q.excluded).to.have.members(["sleeper", "car", "ticket"]);
  });
});
