/**
 * Cluster benchmark: topic clustering of 100,000 chunk vectors (512-d, planted
 * topics shaped like sentence embeddings) with automatic k, and the 2-D map of
 * 20,000 of them. Reports time, peak memory and how well the planted topics come
 * back. With --reference, also times the straightforward use of the same
 * libraries (ml-kmeans on raw 512-d vectors, umap-js with its own NN-descent and
 * random start) on smaller inputs, for a ratio on the same machine.
 *
 *   node --import tsx bench/cluster-topics.ts [--reference] [--points=100000] [--map-points=20000]
 */
import os from "node:os";
import { kmeans } from "ml-kmeans";
import { UMAP } from "umap-js";
import { fitKMeans } from "../services/cluster/kmeans.ts";
import { fromRows, selectRows, toNestedArrays } from "../services/cluster/matrix.ts";
import { clusterChunks } from "../services/cluster/pipeline.ts";
import { computeMap } from "../services/cluster/projection.ts";
import { seededRandom, sampleIndices } from "../services/cluster/random.ts";
import { syntheticChunks } from "../test/unit/cluster/synthetic.ts";

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split("=")[1] ?? fallback);
const N = arg("points", 100000);
const MAP_N = arg("map-points", 20000);
const TOPICS = 25;
const withReference = process.argv.includes("--reference");

const peakMb = () => Math.round(process.resourceUsage().maxRSS / 1024);
const seconds = (ms: number) => (ms / 1000).toFixed(1);

/** Fraction of chunks whose cluster's majority topic is their own. */
function purity(labels: ArrayLike<number>, truth: ArrayLike<number>): number {
  const votes = new Map<number, Map<number, number>>();
  for (let i = 0; i < truth.length; i++) {
    const v = votes.get(labels[i]) ?? new Map<number, number>();
    v.set(truth[i], (v.get(truth[i]) ?? 0) + 1);
    votes.set(labels[i], v);
  }
  let agree = 0;
  for (const v of votes.values()) agree += Math.max(...v.values());
  return agree / truth.length;
}

// Uneven topic sizes (largest ≈ 6× the smallest), like real chat topics.
const weights = Array.from({ length: TOPICS }, (_, t) => 1 / (1 + 0.2 * t));
const total = weights.reduce((a, b) => a + b, 0);
const sizes = weights.map((w) => Math.round((w / total) * N));
let started = performance.now();
const chunks = syntheticChunks({ sizes, seed: 2024, days: 365 });
const truth = Int32Array.from(chunks, (c) => Number(c.id.split("-")[0].slice(1)));
console.log(
  `machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`,
);
console.log(
  `data: ${chunks.length} chunks × 512-d, ${TOPICS} planted topics, generated in ${seconds(performance.now() - started)} s, rss ${peakMb()} MB`,
);

started = performance.now();
const result = await clusterChunks(chunks, { seed: 1 });
const clusterMs = performance.now() - started;
console.log(
  `clustering (auto k over 2..30): ${seconds(clusterMs)} s, k=${result.k}, purity ${purity(result.assignments.clusters, truth).toFixed(4)}, ` +
    `peak rss ${peakMb()} MB, stages ${JSON.stringify(result.timings)}`,
);
console.log(
  `  labels: ${result.clusters
    .slice(0, 3)
    .map((c) => `[${c.size}] ${c.label}`)
    .join(" | ")}`,
);

const vectors = fromRows(chunks.map((c) => c.vector));
const ids = chunks.map((c) => c.id);
started = performance.now();
const map = await computeMap(vectors, ids, Int32Array.from(result.assignments.clusters), { maxPoints: MAP_N, seed: 1 });
const mapMs = performance.now() - started;
console.log(
  `map (UMAP, stratified ${map.points.length} of ${map.totalPoints}): ${seconds(mapMs)} s, peak rss ${peakMb()} MB`,
);

if (withReference) {
  const random = seededRandom(3);
  const refN = 20000;
  const raw = toNestedArrays(selectRows(vectors, sampleIndices(vectors.rows, refN, random)));
  started = performance.now();
  kmeans(raw, TOPICS, { seed: 1, initialization: "kmeans++" });
  const rawKmeansMs = performance.now() - started;
  started = performance.now();
  fitKMeans(vectors, TOPICS, random, { restarts: 1 });
  const oursFixedMs = performance.now() - started;
  console.log(
    `reference: ml-kmeans k=${TOPICS} on raw ${refN} × 512: ${seconds(rawKmeansMs)} s; ours (fit on 20k sample + assign all ${N}, 512-d, 1 start): ${seconds(oursFixedMs)} s`,
  );

  const umapN = 5000;
  const subset = sampleIndices(vectors.rows, umapN, random);
  started = performance.now();
  new UMAP({ random: seededRandom(1) }).fit(toNestedArrays(selectRows(vectors, subset)));
  const rawUmapMs = performance.now() - started;
  started = performance.now();
  await computeMap(
    selectRows(vectors, subset),
    Array.from(subset, (i) => ids[i]),
    undefined,
    { seed: 1 },
  );
  const oursUmapMs = performance.now() - started;
  console.log(
    `reference: umap-js defaults on ${umapN} × 512: ${seconds(rawUmapMs)} s; ours on the same points: ${seconds(oursUmapMs)} s (ratio ${(rawUmapMs / oursUmapMs).toFixed(1)}×)`,
  );
}
