import { expect } from "chai";
import { compareRuns, type RunSnapshot } from "../../../services/cluster/compare.ts";
import type { ClusterSummary } from "../../../services/cluster/types.ts";

function run(clusters: { label: string; members: string[]; centroid?: number[] }[]): RunSnapshot {
  const chunkIds: string[] = [];
  const assigned: number[] = [];
  const summaries: ClusterSummary[] = clusters.map((c, id) => {
    for (const m of c.members) {
      chunkIds.push(m);
      assigned.push(id);
    }
    return {
      id,
      size: c.members.length,
      label: c.label,
      terms: [],
      representatives: [],
      participants: [],
      distinctParticipants: 0,
      centroid: c.centroid ?? [],
    };
  });
  return { clusters: summaries, assignments: { chunkIds, clusters: assigned } };
}
const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe("cluster: run comparison", () => {
  it("finds gained, lost and resized topics by shared members", () => {
    const before = run([
      { label: "bread", members: ids("b", 40) },
      { label: "football", members: ids("f", 30) },
      { label: "travel", members: ids("t", 30) },
    ]);
    const after = run([
      { label: "bread", members: [...ids("b", 40), ...ids("nb", 40)] },
      { label: "travel", members: ids("t", 30) },
      { label: "elections", members: ids("e", 30) },
      { label: "football", members: ids("f", 5) },
    ]);
    // football keeps 5 of 30 members (Jaccard 1/6): below the threshold, so lost.
    after.assignments.chunkIds.push(...ids("f", 30).slice(5));
    after.assignments.clusters.push(...Array(25).fill(1));
    after.clusters[1].size += 25;
    const comparison = compareRuns(before, after);
    expect(comparison.method).to.equal("jaccard");
    expect(comparison.lost.map((l) => l.label)).to.deep.equal(["football"]);
    expect(comparison.gained.map((g) => g.label).sort()).to.deep.equal(["elections", "football"]);
    const bread = comparison.matched.find((m) => m.labelBefore === "bread")!;
    expect(bread).to.include({ labelAfter: "bread", sizeBefore: 40, sizeAfter: 80, similarity: 0.5 });
    const travel = comparison.matched.find((m) => m.labelBefore === "travel")!;
    expect(travel.labelAfter).to.equal("travel");
  });

  it("falls back to centroid cosine when the runs share few chunks", () => {
    const before = run([
      { label: "a", members: ids("x", 10), centroid: [1, 0, 0] },
      { label: "b", members: ids("y", 10), centroid: [0, 1, 0] },
    ]);
    const after = run([
      { label: "b2", members: ids("p", 10), centroid: [0, 0.995, 0.0998] },
      { label: "c", members: ids("q", 30), centroid: [0, 0, 1] },
    ]);
    const comparison = compareRuns(before, after);
    expect(comparison.method).to.equal("centroid");
    expect(comparison.matched.map((m) => [m.labelBefore, m.labelAfter, m.change])).to.deep.equal([
      ["b", "b2", "shrunk"],
    ]);
    expect(comparison.lost.map((l) => l.label)).to.deep.equal(["a"]);
    expect(comparison.gained.map((g) => g.label)).to.deep.equal(["c"]);
  });
});
