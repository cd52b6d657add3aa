/**
 * Synthetic chunk sets with known structure, shared by the cluster tests and the
 * benchmark: unit vectors scattered around planted topic centres, like sentence
 * embeddings (a shared offset direction, topics grouped under a few themes,
 * uneven topic sizes), each chunk with text drawn from its topic's vocabulary.
 */
import { normalizeInPlace } from "../../../services/cluster/matrix.ts";
import { type RandomFn, seededRandom } from "../../../services/cluster/random.ts";
import type { ChunkInput } from "../../../services/cluster/types.ts";

export interface SyntheticOptions {
  dim?: number;
  /** Chunks per topic. */
  sizes: number[];
  /** Vocabulary per topic; topics without one get generated words. */
  vocabularies?: (string[] | undefined)[];
  /** Per-coordinate noise; 0.04 in 512-d gives within-topic cosine ≈ 0.6. */
  noise?: number;
  seed?: number;
  /** Timestamps spread over this many days from 2024-01-01. */
  days?: number;
  authors?: string[];
}

const FILLER = [
  "the",
  "and",
  "we",
  "should",
  "maybe",
  "today",
  "it",
  "is",
  "lol",
  "ok",
  "really",
  "think",
  "so",
  "about",
  "this",
];

function gaussian(random: RandomFn): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

function randomUnit(dim: number, random: RandomFn): Float32Array {
  const v = new Float32Array(dim);
  for (let d = 0; d < dim; d++) v[d] = gaussian(random);
  normalizeInPlace(v);
  return v;
}

const SYLLABLES = ["ka", "lo", "mi", "re", "su", "ta", "ve", "zo", "pri", "den", "mor", "gal", "fen", "tur"];

/** Letters only, so the tokenizer keeps it whole; 3 syllables make collisions between topics rare. */
function pseudoWord(random: RandomFn): string {
  return Array.from({ length: 3 }, () => SYLLABLES[Math.floor(random() * SYLLABLES.length)]).join("");
}

export function syntheticChunks(options: SyntheticOptions): ChunkInput[] {
  const dim = options.dim ?? 512;
  const random = seededRandom(options.seed ?? 7);
  const noise = options.noise ?? 0.04;
  const common = randomUnit(dim, random);
  const themes = Array.from({ length: Math.max(1, Math.ceil(options.sizes.length / 5)) }, () =>
    randomUnit(dim, random),
  );
  const centres = options.sizes.map((_, t) => {
    const theme = themes[t % themes.length];
    const own = randomUnit(dim, random);
    const c = new Float32Array(dim);
    for (let d = 0; d < dim; d++) c[d] = 0.5 * common[d] + 0.35 * theme[d] + 0.8 * own[d];
    normalizeInPlace(c);
    return c;
  });
  const vocabularies = options.sizes.map(
    (_, t) => options.vocabularies?.[t] ?? Array.from({ length: 12 }, () => pseudoWord(random)),
  );
  const authors = options.authors ?? ["ana", "ben", "chloé", "dmitri"];
  const start = Date.UTC(2024, 0, 1);
  const spanMs = (options.days ?? 120) * 86_400_000;

  const chunks: ChunkInput[] = [];
  options.sizes.forEach((size, t) => {
    for (let i = 0; i < size; i++) {
      const v = new Float32Array(dim);
      for (let d = 0; d < dim; d++) v[d] = centres[t][d] + noise * gaussian(random);
      normalizeInPlace(v);
      const vocabulary = vocabularies[t];
      const text = Array.from({ length: 12 }, (_, w) =>
        w % 2 === 0
          ? vocabulary[Math.floor(random() * vocabulary.length)]
          : FILLER[Math.floor(random() * FILLER.length)],
      ).join(" ");
      chunks.push({
        id: `t${t}-c${i}`,
        vector: v,
        text,
        authors: [authors[(t + i) % authors.length], authors[i % authors.length]],
        timestamp: start + Math.floor(random() * spanMs),
      });
    }
  });
  return chunks;
}
