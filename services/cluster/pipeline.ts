/**
 * The whole clustering job for one dataset: reduce, choose k, k-means, describe
 * and label every cluster, topics over time, and optionally the 2-D map.
 *
 * Cost is kept flat in the dataset size: PCA is fitted on a sample, k is chosen
 * on a sample, centroids are fitted on a sample, and only the linear passes
 * (projection, nearest-centroid assignment, member statistics, tokenising) touch
 * every chunk. Progress is reported through `onProgress` and the event loop gets
 * a turn between stages; run it through worker.ts to keep it off the caller's thread.
 */
import { type AutoKOptions, chooseK } from "./auto-k.ts";
import { labelFromTerms } from "./ctfidf.ts";
import { topicHierarchy } from "./hierarchy.ts";
import { fitKMeans } from "./kmeans.ts";
import { type DenseMatrix, fromRows } from "./matrix.ts";
import { describeMembers } from "./members.ts";
import { type Granularity, defaultGranularity, topicsOverTime } from "./over-time.ts";
import { fitPca, projectPca } from "./pca.ts";
import { type ProgressFn, progressSlice, yieldToEventLoop } from "./progress.ts";
import { computeMap, type MapOptions } from "./projection.ts";
import { seededRandom } from "./random.ts";
import type { Language } from "../../lib/text/stopwords.ts";
import { topicTerms } from "./topic-terms.ts";
import type { ChunkInput, ClusteringResult, ClusterSummary } from "./types.ts";

export interface ClusteringOptions {
  /** Number of clusters; chosen by silhouette over `autoK`'s range when absent. */
  k?: number;
  autoK?: AutoKOptions;
  /** Dimensions for k-means after PCA (default 48); 0 clusters in the input space. */
  reducedDims?: number;
  /** Points the k-means centroids are fitted on (default 20,000); the rest are assigned. */
  fitSampleSize?: number;
  /** k-means++ restarts for the final fit (default 3). */
  restarts?: number;
  languages?: Language[];
  /** Words never used as topic terms (the words of participants' names). */
  excludeTerms?: readonly string[];
  topTerms?: number;
  representatives?: number;
  topParticipants?: number;
  /** "auto": weekly up to six months of data, else monthly. */
  granularity?: Granularity | "auto";
  /** Compute the 2-D map too (false by default: it can be its own job). */
  map?: boolean | MapOptions;
  seed?: number;
}

export async function clusterChunks(
  chunks: readonly ChunkInput[],
  options: ClusteringOptions = {},
  onProgress?: ProgressFn,
): Promise<ClusteringResult> {
  if (chunks.length < 2) throw new Error("clusterChunks: need at least 2 chunks");
  const timings: Record<string, number> = {};
  const time = async <T>(stage: string, work: () => T | Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await work();
    timings[stage] = Math.round(performance.now() - started);
    await yieldToEventLoop();
    return result;
  };
  const random = seededRandom(options.seed ?? 42);
  const withMap = options.map !== undefined && options.map !== false;
  const mapShare = withMap ? 0.3 : 0;
  const stage = (from: number, to: number) => progressSlice(onProgress, from * (1 - mapShare), to * (1 - mapShare));

  onProgress?.(0, "prepare");
  const vectors = fromRows(chunks.map((c) => c.vector));
  const reducedDims = options.reducedDims ?? 48;
  const points: DenseMatrix = await time("pca", () =>
    reducedDims > 0 && reducedDims < vectors.cols ? projectPca(fitPca(vectors, reducedDims, random), vectors) : vectors,
  );
  stage(0, 0.1)?.(1, "pca");

  const kSelection =
    options.k === undefined
      ? await time("chooseK", () => chooseK(points, random, options.autoK, stage(0.1, 0.5)))
      : undefined;
  const k = Math.min(options.k ?? kSelection!.k, chunks.length);

  const fit = await time("kmeans", () =>
    fitKMeans(points, k, random, { fitSampleSize: options.fitSampleSize, restarts: options.restarts }),
  );
  stage(0.5, 0.7)?.(1, "kmeans");

  // Clusters are renumbered largest first, so id 0 is always the biggest topic.
  const sizes = new Int32Array(k);
  for (const label of fit.labels) sizes[label]++;
  const order = Array.from({ length: k }, (_, c) => c).sort((a, b) => sizes[b] - sizes[a] || a - b);
  const rank = new Int32Array(k);
  order.forEach((c, r) => (rank[c] = r));
  const labels = fit.labels.map((c) => rank[c]);

  const members = await time("describe", () =>
    describeMembers(
      vectors,
      labels,
      k,
      chunks.map((c) => c.authors),
      { representatives: options.representatives, topParticipants: options.topParticipants },
    ),
  );
  stage(0.7, 0.8)?.(1, "describe");

  const texts = chunks.map((c) => c.text);
  const { languages, terms } = await time("terms", () =>
    topicTerms(
      texts,
      labels,
      k,
      { languages: options.languages, top: options.topTerms, exclude: options.excludeTerms },
      stage(0.8, 0.95),
    ),
  );

  const timestamps = Float64Array.from(chunks, (c) => c.timestamp ?? NaN);
  const hasTime = timestamps.some((t) => Number.isFinite(t));
  const granularity =
    options.granularity === undefined || options.granularity === "auto"
      ? defaultGranularity(timestamps)
      : options.granularity;
  const overTime = hasTime
    ? await time("overTime", () => topicsOverTime(labels, timestamps, k, granularity))
    : undefined;
  stage(0.95, 1)?.(1, "over-time");

  const ids = chunks.map((c) => c.id);
  const map = withMap
    ? await time("map", () =>
        computeMap(
          vectors,
          ids,
          labels,
          { seed: options.seed, ...(typeof options.map === "object" ? options.map : {}) },
          progressSlice(onProgress, 1 - mapShare, 1),
        ),
      )
    : undefined;

  const clusters: ClusterSummary[] = members.map((m, c) => ({
    id: c,
    size: m.size,
    label: labelFromTerms(terms[c]),
    terms: terms[c],
    representatives: m.representatives.map((r) => ({ chunkId: ids[r.index], similarity: round(r.similarity) })),
    participants: m.participants,
    distinctParticipants: m.distinctParticipants,
    centroid: Array.from(m.centroid, round),
  }));
  const hierarchy = topicHierarchy(
    clusters.map((c) => c.centroid),
    clusters.map((c) => c.size),
    terms,
  );
  onProgress?.(1, "done");
  return {
    k,
    ...(kSelection ? { kSelection } : {}),
    reducedDims: points.cols,
    languages,
    clusters,
    hierarchy,
    assignments: { chunkIds: ids, clusters: Array.from(labels) },
    ...(overTime ? { overTime } : {}),
    ...(map ? { map } : {}),
    timings,
  };
}

const round = (v: number) => Math.round(v * 1e6) / 1e6;
