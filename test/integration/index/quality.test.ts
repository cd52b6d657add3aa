import { expect } from "chai";
import type { TestPlatform } from "../../helpers/platform.ts";
import { signUp, type Account } from "../auth/fixtures.ts";
import { CONVERSATIONS, QUERIES } from "./fixtures.ts";
import { search, seedIndexedDataset, startIndexPlatform } from "./helpers.ts";

/** nDCG@k with binary gains: each relevant message counts once, at its first position. */
export function ndcgAt(
  k: number,
  ranked: string[],
  relevant: (text: string) => string | undefined,
  relevantCount: number,
): number {
  const seen = new Set<string>();
  let dcg = 0;
  ranked.slice(0, k).forEach((text, i) => {
    const label = relevant(text);
    if (label && !seen.has(label)) {
      seen.add(label);
      dcg += 1 / Math.log2(i + 2);
    }
  });
  let ideal = 0;
  for (let i = 0; i < Math.min(k, relevantCount); i++) ideal += 1 / Math.log2(i + 2);
  return ideal > 0 ? dcg / ideal : 0;
}

describe("index: retrieval quality with the real USE-lite model (nDCG@10)", function () {
  this.timeout(720_000);
  let p: TestPlatform;
  let a: Account;
  let datasetId: string;

  before(async () => {
    p = await startIndexPlatform();
    a = await signUp(p);
    ({ datasetId } = await seedIndexedDataset(p, a, CONVERSATIONS));
  });
  after(async () => p?.stop());

  it("hybrid is at least as good as the better of keyword and semantic", async () => {
    const modes = ["keyword", "semantic", "hybrid"] as const;
    const scores: Record<(typeof modes)[number], Record<"lexical" | "paraphrase" | "all", number[]>> = {
      keyword: { lexical: [], paraphrase: [], all: [] },
      semantic: { lexical: [], paraphrase: [], all: [] },
      hybrid: { lexical: [], paraphrase: [], all: [] },
    };
    for (const q of QUERIES) {
      for (const mode of modes) {
        const res = await search(p.baseUrl, a.accessToken, { datasetId, query: q.query, mode, pageSize: 10 });
        expect(res.status, JSON.stringify(res.body)).to.equal(200);
        const ranked = res.body.items.map((i: { message: { text: string } }) => i.message.text) as string[];
        const score = ndcgAt(
          10,
          ranked,
          (text) => q.expected.find((fragment) => text.includes(fragment)),
          q.expected.length,
        );
        scores[mode][q.kind].push(score);
        scores[mode].all.push(score);
      }
    }
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const table = modes.map((m) => ({
      mode: m,
      all: mean(scores[m].all),
      lexical: mean(scores[m].lexical),
      paraphrase: mean(scores[m].paraphrase),
    }));
    console.log(
      `      nDCG@10 over ${QUERIES.length} queries (${scores.keyword.lexical.length} lexical, ${scores.keyword.paraphrase.length} paraphrased):`,
    );
    for (const row of table)
      console.log(
        `        ${row.mode.padEnd(8)} all ${row.all.toFixed(3)}  lexical ${row.lexical.toFixed(3)}  paraphrase ${row.paraphrase.toFixed(3)}`,
      );
    const [keyword, semantic, hybrid] = table.map((r) => r.all) as [number, number, number];
    expect(hybrid).to.be.at.least(Math.max(keyword, semantic));
    // The split the fixture is built to show: words find lexical queries, meaning finds paraphrases.
    expect(table[0]!.lexical).to.be.greaterThan(table[0]!.paraphrase);
    expect(table[1]!.paraphrase).to.be.greaterThan(table[0]!.paraphrase);
  });
});
