import { expect } from "chai";
import { clusterChunksInWorker } from "../../../services/cluster/worker.ts";
import { syntheticChunks } from "./synthetic.ts";

const SOURDOUGH = ["sourdough", "bread", "baking", "flour", "oven", "starter", "loaf", "dough"];

describe("cluster: pipeline in a worker thread", function () {
  this.timeout(180_000);
  // The pipeline tests' chunks: five generated topics plus 40 chunks about sourdough baking.
  const chunks = syntheticChunks({
    sizes: [90, 80, 70, 60, 50, 40],
    vocabularies: [undefined, undefined, undefined, undefined, undefined, SOURDOUGH],
    seed: 21,
  });

  it("runs in a worker thread with progress messages", async () => {
    const seen: string[] = [];
    const fromWorker = await clusterChunksInWorker(chunks, { k: 6, seed: 1 }, (_, stage) => seen.push(stage));
    expect(fromWorker.clusters.map((c) => c.size)).to.deep.equal([90, 80, 70, 60, 50, 40]);
    expect(seen).to.include("kmeans");
  });

  it("rejects from the worker with the pipeline's error", async () => {
    let error: unknown;
    await clusterChunksInWorker(chunks.slice(0, 1)).catch((e: unknown) => (error = e));
    expect(String(error)).to.match(/at least 2 chunks/);
  });
});
