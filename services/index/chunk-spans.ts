// Filtered vector search needs the chunks that hold at least one message passing the filters (the
// allow-list applied inside the vector index). A correlated SQL query over every chunk of the
// dataset did that, and at 100k messages one search kept PostgreSQL busy for over nine minutes
// (bench/RESULTS.md). The dataset's keyword index already holds every message's conversation,
// participant, kind and time in typed columns, in (conversation, time, id) order — the order the
// chunker reads a conversation in — so each chunk is a span of positions there: the chunks that
// pass are found with one pass over the messages and one over the chunks, in memory.
import { sql } from "drizzle-orm";
import type { Db } from "../../models/db.ts";
import { rowsOf } from "../../models/sql.ts";
import type { DatasetKeywords } from "./keyword/keyword-store.ts";

/** A dataset's chunks as spans of message ids (first and last message of each). */
export interface ChunkSpans {
  /** What the spans were read for (the vector count of the index), to know when to read again. */
  readonly validFor: string;
  readonly ids: string[];
  readonly first: Float64Array;
  readonly last: Float64Array;
  /** Message kinds the chunker leaves out (from the chunks' chunking versions): they make no chunk pass. */
  readonly excludedKinds: Set<string>;
}

/** Kinds named in chunking versions such as `chunk-v2;gap=30m;…;exclude=deleted+system`. */
export function excludedKindsOf(chunkingVersions: string[]): Set<string> {
  const out = new Set<string>();
  for (const v of chunkingVersions) {
    const part = v.split(";").find((p) => p.startsWith("exclude="));
    for (const kind of part?.slice("exclude=".length).split("+") ?? []) if (kind) out.add(kind);
  }
  return out;
}

export async function loadChunkSpans(db: Db, datasetId: string, validFor: string): Promise<ChunkSpans> {
  const rows = await rowsOf<{ id: string; first: string | number; last: string | number }>(
    db,
    sql`select id, (message_ids->>0)::bigint as first, (message_ids->>(jsonb_array_length(message_ids) - 1))::bigint as last
        from chunks where dataset_id = ${datasetId}`,
  );
  const versions = await rowsOf<{ v: string }>(
    db,
    sql`select distinct chunking_version as v from chunks where dataset_id = ${datasetId}`,
  );
  return {
    validFor,
    ids: rows.map((r) => r.id),
    first: Float64Array.from(rows, (r) => Number(r.first)),
    last: Float64Array.from(rows, (r) => Number(r.last)),
    excludedKinds: excludedKindsOf(versions.map((r) => r.v)),
  };
}

/** What a pair of spans and keyword index yields that every search of it reuses, built on first need. */
interface Derived {
  /** Per message position: 1 when a chunk may hold the message (see chunkableOf). */
  chunkable?: Uint8Array;
  /** Per message position: the number of a chunk holding it, or -1. */
  chunkAt?: Int32Array;
}

/** By spans, then by keyword index (both replaced, never changed, when their data changes). */
const derivedCache = new WeakMap<ChunkSpans, WeakMap<DatasetKeywords, Derived>>();

function derivedOf(keywords: DatasetKeywords, spans: ChunkSpans): Derived {
  let byKeywords = derivedCache.get(spans);
  if (!byKeywords) derivedCache.set(spans, (byKeywords = new WeakMap()));
  let derived = byKeywords.get(keywords);
  if (!derived) byKeywords.set(keywords, (derived = {}));
  return derived;
}

/**
 * As the chunker decides (services/embedder/chunking.ts): messages of excluded kinds and blank
 * texts are in no chunk. Computed once per spans and keyword index, not per search (a trim of
 * every text at 1M messages).
 */
function chunkableOf(keywords: DatasetKeywords, spans: ChunkSpans): Uint8Array {
  const derived = derivedOf(keywords, spans);
  if (derived.chunkable) return derived.chunkable;
  const kindCol = keywords.index.columns.kind;
  const excluded = new Uint8Array(keywords.kinds.length);
  keywords.kinds.forEach((k, i) => (excluded[i] = spans.excludedKinds.has(k) ? 1 : 0));
  const chunkable = new Uint8Array(keywords.ids.length);
  for (let m = 0; m < chunkable.length; m++)
    chunkable[m] = excluded[kindCol[m]!] === 0 && keywords.index.text(m).trim() !== "" ? 1 : 0;
  return (derived.chunkable = chunkable);
}

export interface AllowList {
  /** Chunks with a passing message. */
  allowed: string[];
  /** Chunks whose messages the keyword index does not hold yet (it is being rebuilt): to be checked another way. */
  unknown: string[];
}

/**
 * The chunks holding a message that passes `accept`. A chunk's messages are the chunkable ones
 * (text, kind not excluded) between its first and last message, so a prefix count of passing
 * chunkable messages answers each chunk in constant time.
 */
export function allowedChunks(
  keywords: DatasetKeywords,
  spans: ChunkSpans,
  accept: (position: number) => boolean,
): AllowList {
  const n = keywords.ids.length;
  const chunkable = chunkableOf(keywords, spans);
  const passing = new Int32Array(n + 1);
  for (let m = 0; m < n; m++) passing[m + 1] = passing[m]! + (chunkable[m] === 1 && accept(m) ? 1 : 0);
  const allowed: string[] = [];
  const unknown: string[] = [];
  for (let c = 0; c < spans.ids.length; c++) {
    const a = keywords.byId.get(spans.first[c]!);
    const b = keywords.byId.get(spans.last[c]!);
    if (a === undefined || b === undefined || b < a) unknown.push(spans.ids[c]!);
    else if (passing[b + 1]! - passing[a]! > 0) allowed.push(spans.ids[c]!);
  }
  return { allowed, unknown };
}

/** For each message position, the number of a chunk holding it, or -1. */
function chunkAtPositions(keywords: DatasetKeywords, spans: ChunkSpans): Int32Array {
  const derived = derivedOf(keywords, spans);
  if (derived.chunkAt) return derived.chunkAt;
  const at = new Int32Array(keywords.ids.length).fill(-1);
  const chunkable = chunkableOf(keywords, spans);
  for (let c = 0; c < spans.ids.length; c++) {
    const a = keywords.byId.get(spans.first[c]!);
    const b = keywords.byId.get(spans.last[c]!);
    if (a === undefined || b === undefined) continue;
    for (let m = a; m <= b; m++) if (at[m] === -1 && chunkable[m] === 1) at[m] = c;
  }
  return (derived.chunkAt = at);
}

/**
 * The chunk holding each message (hybrid search fuses a keyword hit with its chunk's semantic
 * hit), from the spans in memory; `missing` are messages no span covers (not chunked, or newer
 * than the spans), for the database to answer.
 */
export function chunksOfMessagesInMemory(
  keywords: DatasetKeywords,
  spans: ChunkSpans,
  messageIds: number[],
): { found: Map<number, string>; missing: number[] } {
  const at = chunkAtPositions(keywords, spans);
  const found = new Map<number, string>();
  const missing: number[] = [];
  for (const id of messageIds) {
    const position = keywords.byId.get(id);
    const chunk = position === undefined ? -1 : at[position]!;
    if (chunk >= 0) found.set(id, spans.ids[chunk]!);
    else missing.push(id);
  }
  return { found, missing };
}

/** The spans of the datasets searched lately, read again when their index's vector count changes. */
export class ChunkSpanCache {
  private readonly cache = new Map<string, ChunkSpans>();
  private readonly loading = new Map<string, Promise<ChunkSpans>>();

  constructor(
    private readonly db: Db,
    private readonly maxDatasets = 8,
  ) {}

  async get(datasetId: string, validFor: string): Promise<ChunkSpans> {
    const cached = this.cache.get(datasetId);
    if (cached?.validFor === validFor) {
      this.cache.delete(datasetId);
      this.cache.set(datasetId, cached);
      return cached;
    }
    const key = `${datasetId}|${validFor}`;
    let load = this.loading.get(key);
    if (!load) {
      load = loadChunkSpans(this.db, datasetId, validFor).finally(() => this.loading.delete(key));
      this.loading.set(key, load);
    }
    const spans = await load;
    this.cache.delete(datasetId);
    this.cache.set(datasetId, spans);
    while (this.cache.size > this.maxDatasets) this.cache.delete(this.cache.keys().next().value!);
    return spans;
  }

  forget(datasetId: string): void {
    this.cache.delete(datasetId);
  }
}
