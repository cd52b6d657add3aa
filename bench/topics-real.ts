/**
 * Topic runs on real-sized chats with a real embedding model: the generated 30,000-message
 * chat and 5,000-message group (test/helpers/big-chat.ts) and the Ubuntu dialogue corpus
 * (../shared/fixtures/corpora, 2,002 real IRC support dialogues). Each is chunked with the
 * platform's chunker, embedded with Universal Sentence Encoder lite (vectors cached under
 * the OS temp dir, so reruns measure only clustering) and clustered by the service's
 * pipeline with automatic k and the UMAP map, as a topic run does. Prints the time, the
 * silhouette curve automatic k chose from, the labels, and whether any label contains a
 * participant's name.
 *
 *   node --import tsx bench/topics-real.ts [--corpus=chat30k|group5k|ubuntu|all]
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chunkMessages, type ChatMessage } from "../services/embedder/chunking.ts";
import { OnnxEmbedder } from "../services/embedder/runtime.ts";
import { ensureUseLite } from "../services/embedder/use-lite/convert.ts";
import { clusterChunks } from "../services/cluster/pipeline.ts";
import { toStoredResult } from "../services/cluster/runs.ts";
import type { ChunkInput } from "../services/cluster/types.ts";
import { bigChat } from "../test/helpers/big-chat.ts";

const which = process.argv.find((a) => a.startsWith("--corpus="))?.split("=")[1] ?? "all";
const CORPUS = path.resolve(import.meta.dirname, "../../shared/fixtures/corpora/ubuntu-dialogue-small.json");

interface Corpus {
  name: string;
  messages: ChatMessage[];
  names: string[];
}

function generated(name: string, count: number, authors: number, conversations?: string[]): Corpus {
  const chat = bigChat({ messages: count, authors, conversations, seed: count });
  return {
    name,
    names: chat.authors,
    messages: chat.messages.map((m, i) => ({
      id: i,
      conversationId: m.conversation,
      authorName: m.author,
      text: m.text ?? "",
      timestamp: new Date(m.at),
      kind: "text",
    })),
  };
}

/** One conversation per dialogue, one message per turn, authors alternating, a minute apart (the corpus README's recipe). */
function ubuntu(): Corpus {
  const dialogues = JSON.parse(readFileSync(CORPUS, "utf8")) as {
    dialogue_id: string;
    timestamp: string;
    text: string;
  }[];
  const messages: ChatMessage[] = [];
  for (const d of dialogues) {
    const start = Date.parse(d.timestamp);
    d.text
      .split("\n")
      .filter((t) => t.trim())
      .forEach((text, i) =>
        messages.push({
          id: messages.length,
          conversationId: d.dialogue_id,
          authorName: i % 2 ? "asker" : "helper",
          text,
          timestamp: new Date(start + i * 60_000),
          kind: "text",
        }),
      );
  }
  return { name: "ubuntu", messages, names: ["asker", "helper"] };
}

const corpora: (() => Corpus)[] = [];
if (which === "all" || which === "chat30k") corpora.push(() => generated("chat30k", 30_000, 40));
if (which === "all" || which === "group5k")
  corpora.push(() => generated("group5k", 5_475, 60, ["Hiking group ⛰️", "Hiking group ⛰️ announcements"]));
if (which === "all" || which === "ubuntu") corpora.push(ubuntu);

const modelDir = await ensureUseLite(path.join(os.tmpdir(), "chatlens-bench-models"));
let embedder: OnnxEmbedder | undefined;
console.log(
  `machine: ${os.cpus().length} × ${os.cpus()[0]?.model}, load ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")}, Node ${process.version}`,
);

for (const make of corpora) {
  const corpus = make();
  const chunks = chunkMessages(corpus.messages);
  const cache = path.join(os.tmpdir(), `chatlens-bench-vectors-${corpus.name}-${chunks.length}.f32`);
  let data: Float32Array;
  if (existsSync(cache)) data = new Float32Array(readFileSync(cache).buffer.slice(0));
  else {
    embedder ??= await OnnxEmbedder.load(
      {
        id: "use-lite",
        path: modelDir,
        onnxFile: "onnx/model.onnx",
        dimension: 512,
        maxTokens: 128,
        matryoshka: false,
      },
      { intraOpThreads: 2, logger: { info() {}, warn() {} } },
    );
    const t = performance.now();
    data = (await embedder.embed(chunks.map((c) => c.text))).data;
    console.log(`${corpus.name}: embedded ${chunks.length} chunks in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    writeFileSync(cache, Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }
  const byId = new Map(corpus.messages.map((m) => [m.id, m]));
  const inputs: ChunkInput[] = chunks.map((c, i) => ({
    id: c.id,
    vector: data.subarray(i * 512, (i + 1) * 512),
    text: c.text,
    authors: c.messageIds.map((id) => byId.get(id)?.authorName ?? ""),
    timestamp: c.startTs.getTime(),
  }));
  const exclude = [
    ...new Set(
      corpus.names
        .flatMap((n) =>
          n
            .normalize("NFKC")
            .toLowerCase()
            .split(/[^\p{L}\p{M}']+/u),
        )
        .filter((w) => w.length >= 2),
    ),
  ];
  const t = performance.now();
  const result = await clusterChunks(inputs, { map: { method: "umap" }, excludeTerms: exclude, seed: 42 });
  const stored = toStoredResult(result, inputs, new Map());
  const seconds = ((performance.now() - t) / 1000).toFixed(1);
  const json = JSON.stringify(stored);
  const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(json);
  const labels = result.clusters.map((c) => c.label);
  const named = labels.filter((l) => l.split(/[ ,]+/).some((w) => exclude.includes(w)));
  console.log(
    `${corpus.name}: ${corpus.messages.length} messages, ${chunks.length} chunks; clustering + map ${seconds} s; k=${result.k} ` +
      `(${result.kSelection?.criterion}); hierarchy parents ${result.hierarchy?.parents.length ?? "-"}; stages ${JSON.stringify(result.timings)}`,
  );
  console.log(`  scores: ${result.kSelection?.scores.map((s) => `${s.k}:${s.silhouette.toFixed(3)}`).join(" ")}`);
  console.log(`  sizes: ${result.clusters.map((c) => c.size).join(" ")}`);
  console.log(`  labels: ${labels.slice(0, 12).join(" | ")}`);
  console.log(
    `  labels naming a participant: ${named.length}; lone surrogates in the stored result: ${lone}; stored ${(json.length / 1e6).toFixed(1)} MB`,
  );
}
await embedder?.dispose();
