import { expect } from "chai";
import { planJobs } from "../../../services/embedder/embed-jobs.ts";

describe("job planning", () => {
  it("splits chunk ids into messages carrying only org, dataset, model and ids", () => {
    const jobs = planJobs({ orgId: "o", datasetId: "d", modelId: "m" }, ["a", "b", "c", "d", "e"], 2);
    expect(jobs).to.deep.equal([
      { orgId: "o", datasetId: "d", modelId: "m", chunkIds: ["a", "b"] },
      { orgId: "o", datasetId: "d", modelId: "m", chunkIds: ["c", "d"] },
      { orgId: "o", datasetId: "d", modelId: "m", chunkIds: ["e"] },
    ]);
    expect(planJobs({ orgId: "o", datasetId: "d", modelId: "m" }, [], 2)).to.deep.equal([]);
  });
});
