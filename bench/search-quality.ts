// Retrieval quality of chatlens search on the labelled sets (test/fixtures/search-quality), side by
// side with a BM25 reference (wink-bm25-text-search) over the same messages, in the same run.
//
//   npx tsx bench/search-quality.ts [--sets=ubuntu,chat] [--modes=keyword,semantic,hybrid,hybrid:weighted,hybrid:rrf:s1k3] [--model=use-lite-int8]
//                                   [--db=pglite|postgres] [--out=file.json] [--unjudged=file.tsv]
//
// A platform node (api, auth, embedder with the real USE-lite model, index) is started; each corpus
// is written as one dataset the way an import writes it, chunked with the embedder's chunker,
// embedded by the embedder service and indexed; every query runs through the gateway
// (POST /api/search, pageSize 10) in each mode.
// Prints nDCG@10, Recall@10 and MRR@10 per mode and query class. --unjudged writes the hits of
// the top 10 no grade covers (for the next pooling round; see the set's README).
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { rechunkImport } from "../services/embedder/chunk-store.ts";
import { DEFAULT_CHUNKING } from "../services/embedder/chunking.ts";
import { storeVectors } from "../services/embedder/embed-jobs.ts";
import { rowsOf } from "../models/sql.ts";
import {
  conversations as conversationsTable,
  imports,
  messages as messagesTable,
  participants,
} from "../models/schema.ts";
import { http, type Schema } from "../test/helpers/http.ts";
import {
  chatConversations,
  loadQuerySet,
  QUERY_CLASSES,
  ubuntuConversations,
  type Conversation,
  type QuerySet,
} from "../test/fixtures/search-quality/corpora.ts";
import {
  bm25Reference,
  labelOf,
  score,
  summarise,
  type Hit,
  type Scores,
  type Table,
} from "../test/fixtures/search-quality/evaluate.ts";
import { signUp } from "../test/integration/auth/fixtures.ts";
import { createOrgAndDataset, waitFor } from "../test/integration/embedder/helpers.ts";
import { startTestPlatform } from "../test/helpers/platform.ts";
import { INDEX_SERVICES, INDEX_TEST_ENV } from "../test/integration/index/helpers.ts";

const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const sets = arg("sets", "ubuntu,chat").split(",") as ("ubuntu" | "chat")[];
const modes = arg("modes", "keyword,semantic,hybrid").split(",");
const db = arg("db", "pglite") as "pglite" | "postgres";
const out = arg("out", "");
const unjudgedFile = arg("unjudged", "");
/** --no-embed: no chunks or vectors (keyword mode only; on busy machines embedding the Ubuntu corpus takes long). */
const noEmbed = process.argv.includes("--no-embed");
// --model=use-lite-int8 measures the quantised model (issue 18 point 5); vectors are cached per model.
const MODEL = arg("model", "use-lite");
const CACHE_FILE = path.join(
  os.tmpdir(),
  MODEL === "use-lite" ? "chatlens-search-quality-vectors.json" : `chatlens-search-quality-vectors-${MODEL}.json`,
);
const log = (...a: unknown[]) => console.error(`[${new Date().toISOString().slice(11, 19)}]`, ...a);
const f3 = (x: number) => x.toFixed(3);

const p = await startTestPlatform({
  services: INDEX_SERVICES,
  env: { ...INDEX_TEST_ENV, LOG_LEVEL: "error", EMBEDDER_THREADS: "2", EMBED_BATCH_CHUNKS: "32", DEFAULT_MODEL: MODEL },
  db,
});
const results: Record<string, Record<string, Table>> = {};
const unjudged: string[] = [];
try {
  const account = await signUp(p);
  for (const name of sets) {
    const set = loadQuerySet(name);
    const conversations: Conversation[] = name === "ubuntu" ? ubuntuConversations() : chatConversations();
    const datasetId = await seed(conversations, account);
    const table: Record<string, Table> = {};
    for (const unit of ["message", "conversation"] as const) {
      const ref = bm25Reference(conversations, unit);
      table[`bm25-ref:${unit}`] = evaluate(set, (q) => ref(q, 10));
    }
    for (const mode of modes) {
      // mode[:fusion[:s<semantic weight>k<keyword weight>]], e.g. hybrid:rrf:s1k3
      const [m, fusion, weighting] = mode.split(":");
      const w = /^s([\d.]+)k([\d.]+)$/.exec(weighting ?? "");
      const weights = w ? { semantic: Number(w[1]), keyword: Number(w[2]) } : undefined;
      table[mode] = await evaluateAsync(
        set,
        async (q) => {
          const res = await http(p.baseUrl, "POST", "/api/search", {
            token: account.accessToken,
            body: {
              datasetId,
              query: q,
              mode: m as Schema<"SearchMode">, // checked by the API: an unknown mode answers 422
              pageSize: 10,
              ...(fusion ? { fusion: fusion as "rrf" | "weighted" } : {}),
              ...(weights ? { weights } : {}),
            },
          });
          if (res.status !== 200) throw new Error(`${mode} "${q}": ${res.status} ${JSON.stringify(res.body)}`);
          return (res.body.items as { message: { conversationName: string; text: string } }[]).map((i) => ({
            conversation: i.message.conversationName,
            text: i.message.text,
          }));
        },
        mode,
      );
    }
    results[name] = table;
    print(name, set, table);
  }
} finally {
  await p.stop();
}
if (out) writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), db, results }, null, 1));
if (unjudgedFile) writeFileSync(unjudgedFile, unjudged.join("\n") + "\n");

/**
 * Writes the corpus as one import, chunks it with the embedder's chunker, embeds the chunks through
 * the embedder service (embedder.embedBatch) and hands the vectors to the index the way the
 * embedder does (embeddings.stored). Chunk vectors are cached on disk by text: re-runs only embed
 * what changed (2 busy cores embed the Ubuntu corpus in minutes).
 */
async function seed(conversations: Conversation[], account: { orgId: string; accessToken: string }): Promise<string> {
  const dbh = p.database.db;
  const target = await createOrgAndDataset(dbh, account.orgId);
  const seeded = await bulkSeed(dbh, target, conversations);
  const total = conversations.reduce((n, c) => n + c.messages.length, 0);
  log(`seeded ${conversations.length} conversations, ${total} messages; chunking`);
  if (noEmbed) return target.datasetId;
  await rechunkImport(dbh, seeded, { chunking: DEFAULT_CHUNKING });
  const chunkRows = await rowsOf<{ id: string; text: string }>(
    dbh,
    sql`select id, text from chunks where dataset_id = ${target.datasetId} order by id`,
  );
  const cache = loadCache();
  const key = (t: string) => createHash("sha1").update(t).digest("hex");
  const todo = chunkRows.filter((c) => !cache.has(key(c.text)));
  log(`${chunkRows.length} chunks, ${todo.length} to embed`);
  for (let i = 0; i < todo.length; i += 64) {
    const batch = todo.slice(i, i + 64);
    const r = await p.broker.call<{ data: string; dimension: number }, { modelId: string; texts: string[] }>(
      "embedder.embedBatch",
      { modelId: MODEL, texts: batch.map((c) => c.text) },
      { timeout: 0, retries: 0 },
    );
    const data = Buffer.from(r.data, "base64");
    batch.forEach((c, j) =>
      cache.set(key(c.text), data.subarray(j * r.dimension * 4, (j + 1) * r.dimension * 4).toString("base64")),
    );
    if ((i / 64) % 10 === 9) {
      log(`embedded ${i + batch.length}/${todo.length}`);
      saveCache(cache);
    }
  }
  saveCache(cache);
  const job = { orgId: target.orgId, datasetId: target.datasetId, modelId: MODEL };
  for (let i = 0; i < chunkRows.length; i += 500) {
    const rowsPart = chunkRows.slice(i, i + 500);
    const vectors = rowsPart.map((c) => {
      const bytes = Buffer.from(cache.get(key(c.text))!, "base64");
      return {
        chunkId: c.id,
        vector: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)),
      };
    });
    const chunkIds = await storeVectors(dbh, { ...job, chunkIds: rowsPart.map((c) => c.id) }, vectors);
    await p.broker.emit("embeddings.stored", { ...job, chunkIds });
  }
  await waitFor(
    "every chunk in the index",
    async () => {
      const st = await http(p.baseUrl, "GET", `/api/datasets/${target.datasetId}/index`, {
        token: account.accessToken,
      });
      return st.body.index?.count === chunkRows.length ? st.body : null;
    },
    600_000,
  );
  log("indexed");
  return target.datasetId;
}

/** seedImport's rows (same source keys, authors, times), in a few bulk statements. */
async function bulkSeed(
  dbh: typeof p.database.db,
  target: { orgId: string; datasetId: string },
  convs: Conversation[],
) {
  const { orgId, datasetId } = target;
  const [imp] = await dbh
    .insert(imports)
    .values({ orgId, datasetId, filename: "corpus.json", status: "completed" })
    .returning({ id: imports.id });
  const convRows = await dbh
    .insert(conversationsTable)
    .values(
      convs.map((c) => ({ orgId, datasetId, sourceKey: c.key, name: c.key, platform: "generic", importId: imp!.id })),
    )
    .returning({ id: conversationsTable.id, key: conversationsTable.sourceKey });
  const convId = new Map(convRows.map((r) => [r.key, r.id]));
  const authors = [...new Set(convs.flatMap((c) => c.messages.map((m) => m.author ?? "Ada")))];
  const people = await dbh
    .insert(participants)
    .values(authors.map((name) => ({ orgId, datasetId, sourceKey: name, displayName: name, importId: imp!.id })))
    .returning({ id: participants.id, key: participants.sourceKey });
  const personId = new Map(people.map((r) => [r.key, r.id]));
  const start = new Date("2024-03-01T10:00:00Z").getTime();
  const rows = convs.flatMap((c) =>
    c.messages.map((m) => ({
      orgId,
      datasetId,
      conversationId: convId.get(c.key)!,
      participantId: personId.get(m.author ?? "Ada")!,
      importId: imp!.id,
      sourceKey: `${c.key}:${m.at}:${m.text}`,
      ts: new Date(start + m.at * 60_000),
      kind: m.kind ?? "text",
      text: m.text,
    })),
  );
  for (let i = 0; i < rows.length; i += 2000)
    await dbh
      .insert(messagesTable)
      .values(rows.slice(i, i + 2000))
      .onConflictDoNothing();
  return { orgId, datasetId, importId: imp!.id };
}

function loadCache(): Map<string, string> {
  return existsSync(CACHE_FILE)
    ? new Map(Object.entries(JSON.parse(readFileSync(CACHE_FILE, "utf8")) as Record<string, string>))
    : new Map();
}
function saveCache(cache: Map<string, string>) {
  writeFileSync(CACHE_FILE, JSON.stringify(Object.fromEntries(cache)));
}

function evaluate(set: QuerySet, run: (q: string) => Hit[]): Table {
  return summarise(set, new Map(set.queries.map((q) => [q.id, score(set, q, run(q.query))])));
}

async function evaluateAsync(set: QuerySet, run: (q: string) => Promise<Hit[]>, mode: string): Promise<Table> {
  const per = new Map<string, Scores>();
  for (const q of set.queries) {
    const hits = await run(q.query);
    per.set(q.id, score(set, q, hits));
    for (const h of hits.slice(0, 10)) {
      const label = labelOf(set, q, h);
      if (set.unit === "dialogue" && label !== undefined && !(label in q.grades))
        unjudged.push([set.name, q.id, mode, label, q.query, h.text.slice(0, 120).replace(/\s+/gu, " ")].join("\t"));
    }
  }
  return summarise(set, per);
}

function print(name: string, set: QuerySet, table: Record<string, Table>) {
  console.log(
    `\n${name}: ${set.queries.length} queries (${QUERY_CLASSES.map((c) => `${table[Object.keys(table)[0]!]![c].n} ${c}`).join(", ")}), ${db}`,
  );
  console.log(`  ${"mode".padEnd(22)} ${["all", ...QUERY_CLASSES].map((c) => c.padEnd(20)).join(" ")}`);
  console.log(`  ${"".padEnd(22)} ${["all", ...QUERY_CLASSES].map(() => "nDCG  R@10  MRR".padEnd(20)).join(" ")}`);
  for (const [mode, t] of Object.entries(table)) {
    console.log(
      `  ${mode.padEnd(22)} ${(["all", ...QUERY_CLASSES] as const).map((c) => `${f3(t[c].ndcg)} ${f3(t[c].recall)} ${f3(t[c].mrr)}`.padEnd(20)).join(" ")}`,
    );
  }
}
