// An in-memory BM25 index of one dataset's messages, over two kinds of unit: single messages, and
// windows of consecutive messages of one conversation (in chats the words of one question are
// spread over several short messages, so a window finds what no single message holds). Each kind
// keeps its own document frequencies and average length. A search scores both, fuses them per
// message (a window's hit resolves to its best-scoring message), drops repeats of one message and
// merges nearby hits of one conversation, and applies the filters on the message arrays it holds,
// so a filtered search costs what an unfiltered one does.
//
// Sized for a million messages: terms are numbered once, every message's terms sit in one flat
// array, postings of a unit kind in one flat array per field (compressed-row layout), message
// attributes in typed columns, and a search works on reused dense score arrays and keeps only the
// best few hundred candidates in order (a heap), never sorting every message that holds a word.
import type { Analyzer } from "./analyzer.ts";
import { containsSequence, type KeywordQuery } from "./query.ts";

export interface Bm25Params {
  /** Term-frequency saturation (Robertson's k1); 1.2 is the usual default. */
  k1: number;
  /** Length normalisation (0 none, 1 full); 0.75 is the usual default. */
  b: number;
}

export interface IndexedMessage {
  id: number;
  conversation: number;
  participant: number;
  ts: number;
  kind: number;
}

/** Message attributes by message position, as typed columns. */
export interface MessageColumns {
  conversation: Int32Array;
  participant: Int32Array;
  /** Epoch milliseconds. */
  ts: Float64Array;
  kind: Int32Array;
}

export interface KeywordSearchOptions {
  limit: number;
  /** Keeps only messages that pass; a window counts only through its passing messages. */
  accept?: (messageIndex: number) => boolean;
  /**
   * Weight of a window's score against a single message's in the fusion. 2 measured best on the
   * labelled sets (test/fixtures/search-quality): in chat, the unit that holds a question's words
   * is more often the exchange than one message.
   */
  windowWeight?: number;
  /** Hits of one conversation closer than this many messages are merged into the best one. */
  mergeDistance?: number;
}

export interface KeywordIndexHit {
  messageIndex: number;
  score: number;
  /** Whether the hit came (also) through a window: the words are spread over several messages. */
  viaWindow: boolean;
  /**
   * Share of the query's weight (idf) the hit's message or window holds, 0..1: how much of the
   * query the words explain. Hybrid search weighs a keyword hit by it, so one common word shared
   * with a paraphrase does not outvote the semantic list.
   */
  coverage: number;
}

/** Postings of one unit kind; a unit is a range of the flat token array. */
class Postings {
  readonly units: number;
  readonly length: Float32Array;
  readonly avgLength: number;
  /** Postings of term t are entries start[t] … start[t+1]-1 of `unit` and `tf`, in unit order. */
  private readonly start: Int32Array;
  private readonly unit: Int32Array;
  private readonly tf: Uint16Array;
  private readonly acc: Float32Array;

  constructor(tokens: Int32Array, from: Int32Array, to: Int32Array, termCount: number) {
    this.units = from.length;
    this.length = new Float32Array(this.units);
    this.acc = new Float32Array(this.units);
    const df = new Int32Array(termCount + 1);
    const seen = new Int32Array(termCount).fill(-1);
    let total = 0;
    for (let u = 0; u < this.units; u++) {
      this.length[u] = to[u]! - from[u]!;
      total += to[u]! - from[u]!;
      for (let i = from[u]!; i < to[u]!; i++) {
        const t = tokens[i]!;
        if (seen[t] !== u) {
          seen[t] = u;
          df[t]!++;
        }
      }
    }
    this.avgLength = this.units > 0 ? total / this.units || 1 : 1;
    this.start = new Int32Array(termCount + 1);
    for (let t = 0; t < termCount; t++) this.start[t + 1] = this.start[t]! + df[t]!;
    const entries = this.start[termCount]!;
    this.unit = new Int32Array(entries);
    this.tf = new Uint16Array(entries);
    const next = this.start.slice(0, termCount);
    const count = new Int32Array(termCount);
    seen.fill(-1);
    const distinct: number[] = [];
    for (let u = 0; u < this.units; u++) {
      distinct.length = 0;
      for (let i = from[u]!; i < to[u]!; i++) {
        const t = tokens[i]!;
        if (seen[t] !== u) {
          seen[t] = u;
          count[t] = 0;
          distinct.push(t);
        }
        count[t]!++;
      }
      for (const t of distinct) {
        const at = next[t]!++;
        this.unit[at] = u;
        this.tf[at] = Math.min(count[t]!, 65535);
      }
    }
  }

  df(t: number): number {
    return this.start[t + 1]! - this.start[t]!;
  }

  idf(t: number): number {
    const df = this.df(t);
    return Math.log(1 + (this.units - df + 0.5) / (df + 0.5));
  }

  /** Term frequency of term t in unit u (0 when absent); postings are in unit order: binary search. */
  tfOf(t: number, u: number): number {
    let lo = this.start[t]!;
    let hi = this.start[t + 1]! - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.unit[mid]!;
      if (v === u) return this.tf[mid]!;
      if (v < u) lo = mid + 1;
      else hi = mid - 1;
    }
    return 0;
  }

  /** BM25 of one unit (for a handful of units; `score` is for all of them). */
  scoreOf(terms: number[], u: number, params: Bm25Params): number {
    const { k1, b } = params;
    let s = 0;
    for (const t of terms) {
      const f = this.tfOf(t, u);
      if (f > 0) s += (this.idf(t) * f * (k1 + 1)) / (f + k1 * (1 - b) + ((k1 * b) / this.avgLength) * this.length[u]!);
    }
    return s;
  }

  /** BM25 scores of every unit holding at least one term: [unit, score] pairs (fresh arrays). */
  score(terms: number[], params: Bm25Params): { units: Int32Array; scores: Float32Array } {
    let touched = new Int32Array(64);
    let n = 0;
    const { k1, b } = params;
    const norm = k1 * (1 - b);
    const perLength = (k1 * b) / this.avgLength;
    for (const t of terms) {
      const idf = this.idf(t);
      for (let i = this.start[t]!, end = this.start[t + 1]!; i < end; i++) {
        const u = this.unit[i]!;
        const f = this.tf[i]!;
        if (this.acc[u] === 0) {
          if (n === touched.length) {
            const grown = new Int32Array(n * 2);
            grown.set(touched);
            touched = grown;
          }
          touched[n++] = u;
        }
        this.acc[u]! += (idf * f * (k1 + 1)) / (f + norm + perLength * this.length[u]!);
      }
    }
    const units = touched.slice(0, n);
    const scores = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      scores[i] = this.acc[units[i]!]!;
      this.acc[units[i]!] = 0;
    }
    return { units, scores };
  }

  /** Bytes of its arrays. */
  get bytes(): number {
    return (
      this.length.byteLength + this.start.byteLength + this.unit.byteLength + this.tf.byteLength + this.acc.byteLength
    );
  }
}

/** Message columns from either form the constructor takes. */
function columnsOf(messages: IndexedMessage[] | MessageColumns): MessageColumns {
  if (!Array.isArray(messages)) return messages;
  return {
    conversation: Int32Array.from(messages, (m) => m.conversation),
    participant: Int32Array.from(messages, (m) => m.participant),
    ts: Float64Array.from(messages, (m) => m.ts),
    kind: Int32Array.from(messages, (m) => m.kind),
  };
}

/** Every text's terms as numbers, one text after another: text i is tokens offset[i] … offset[i+1]-1. */
export interface TokenizedTexts {
  tokens: Int32Array;
  offset: Int32Array;
  terms: Map<string, number>;
}

class Tokenizer {
  readonly terms = new Map<string, number>();
  readonly offset: Int32Array;
  private tokens: Int32Array;
  private n = 0;
  private done = 0;

  constructor(
    private readonly analyzer: Analyzer,
    private readonly texts: string[],
  ) {
    this.offset = new Int32Array(texts.length + 1);
    this.tokens = new Int32Array(Math.max(1024, texts.length * 8));
  }

  /** Numbers the next `count` texts; false once all are done. */
  step(count: number): boolean {
    const end = Math.min(this.texts.length, this.done + count);
    for (let i = this.done; i < end; i++) {
      for (const term of this.analyzer.terms(this.texts[i] ?? "")) {
        let t = this.terms.get(term);
        if (t === undefined) this.terms.set(term, (t = this.terms.size));
        if (this.n === this.tokens.length) {
          const grown = new Int32Array(this.n * 2);
          grown.set(this.tokens);
          this.tokens = grown;
        }
        this.tokens[this.n++] = t;
      }
      this.offset[i + 1] = this.n;
    }
    this.done = end;
    return end < this.texts.length;
  }

  result(): TokenizedTexts {
    return { tokens: this.tokens.slice(0, this.n), offset: this.offset, terms: this.terms };
  }
}

export function tokenize(analyzer: Analyzer, texts: string[]): TokenizedTexts {
  const t = new Tokenizer(analyzer, texts);
  while (t.step(texts.length));
  return t.result();
}

/**
 * `tokenize` in slices of `slice` texts with the event loop let through between them: the
 * analysis is most of an index build (seconds at a million messages), and a build must not hold
 * up the other requests of its process.
 */
export async function tokenizeInSlices(analyzer: Analyzer, texts: string[], slice = 2000): Promise<TokenizedTexts> {
  const t = new Tokenizer(analyzer, texts);
  while (t.step(slice)) await new Promise<void>((resolve) => setImmediate(resolve));
  return t.result();
}

/** The best `k` of (score, position) pairs, best first: higher score, then lower position. */
function topK(positions: number[], score: Float32Array, k: number): number[] {
  const better = (a: number, b: number) => score[a]! > score[b]! || (score[a] === score[b] && a < b);
  if (positions.length <= k) return positions.slice().sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
  // A min-heap of the best k so far: its root is the worst of them.
  const heap: number[] = [];
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let w = i;
      if (l < heap.length && better(heap[w]!, heap[l]!)) w = l;
      if (r < heap.length && better(heap[w]!, heap[r]!)) w = r;
      if (w === i) return;
      [heap[i], heap[w]] = [heap[w]!, heap[i]!];
      i = w;
    }
  };
  for (const p of positions) {
    if (heap.length < k) {
      heap.push(p);
      for (let i = heap.length - 1; i > 0;) {
        const parent = (i - 1) >> 1;
        if (!better(heap[parent]!, heap[i]!)) break;
        [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
        i = parent;
      }
    } else if (better(p, heap[0]!)) {
      heap[0] = p;
      down(0);
    }
  }
  return heap.sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0));
}

export class KeywordIndex {
  readonly columns: MessageColumns;
  private readonly terms: Map<string, number>;
  private readonly messageUnits: Postings;
  private readonly windowUnits: Postings;
  /** First message index of each window and one past its last. */
  private readonly windowStart: Int32Array;
  private readonly windowEnd: Int32Array;
  /** Per message: fused score, and how it got it (0 not yet, 1 own words, 2 also through a window). */
  private readonly fused: Float32Array;
  private readonly via: Uint8Array;
  private readonly messageScore: Float32Array;

  /**
   * `messages` in conversation order (by conversation, then time); `texts[i]` is message i's text.
   * Windows follow the talk: a conversation is cut where `windowGapMs` passes without a message
   * (a new exchange begins), and a stretch longer than `windowSize` messages is covered by windows
   * of that size overlapping by half, so a window is one exchange or a slice of a long one.
   */
  constructor(
    readonly analyzer: Analyzer,
    messages: IndexedMessage[] | MessageColumns,
    private readonly texts: string[],
    readonly params: Bm25Params,
    readonly windowSize = 40,
    readonly windowGapMs = 30 * 60_000,
    /** The texts' terms when already numbered (tokenizeInSlices); numbered here otherwise. */
    tokenized?: TokenizedTexts,
  ) {
    const cols = (this.columns = columnsOf(messages));
    const count = cols.conversation.length;
    const { tokens, offset, terms } = tokenized ?? tokenize(analyzer, texts);
    this.terms = terms;
    this.messageUnits = new Postings(tokens, offset.subarray(0, count), offset.subarray(1), this.terms.size);
    const starts: number[] = [];
    const ends: number[] = [];
    const stride = Math.max(1, Math.floor(windowSize / 2));
    let segStart = 0;
    for (let i = 1; i <= count; i++) {
      const cut =
        i === count ||
        cols.conversation[i] !== cols.conversation[segStart] ||
        cols.ts[i]! - cols.ts[i - 1]! > windowGapMs;
      if (!cut) continue;
      // A lone message is its own unit already; windows exist to join several.
      if (i - segStart >= 2) {
        for (let s = segStart; s < i; s += stride) {
          const e = Math.min(s + windowSize, i);
          starts.push(s);
          ends.push(e);
          if (e === i) break;
        }
      }
      segStart = i;
    }
    this.windowStart = Int32Array.from(starts);
    this.windowEnd = Int32Array.from(ends);
    this.windowUnits = new Postings(
      tokens,
      Int32Array.from(starts, (s) => offset[s]!),
      Int32Array.from(ends, (e) => offset[e]!),
      this.terms.size,
    );
    this.fused = new Float32Array(count);
    this.via = new Uint8Array(count);
    this.messageScore = new Float32Array(count);
  }

  get size(): { messages: number; windows: number; terms: number } {
    return { messages: this.columns.conversation.length, windows: this.windowStart.length, terms: this.terms.size };
  }

  /** Bytes of the index's typed arrays (the texts and the term dictionary come on top). */
  get bytes(): number {
    const c = this.columns;
    return (
      this.messageUnits.bytes +
      this.windowUnits.bytes +
      this.windowStart.byteLength * 2 +
      this.fused.byteLength +
      this.via.byteLength +
      this.messageScore.byteLength +
      c.conversation.byteLength +
      c.participant.byteLength +
      c.ts.byteLength +
      c.kind.byteLength
    );
  }

  text(messageIndex: number): string {
    return this.texts[messageIndex] ?? "";
  }

  /** Term numbers of the query's terms this index holds. */
  private termIds(terms: string[]): number[] {
    return terms.flatMap((t) => {
      const id = this.terms.get(t);
      return id === undefined ? [] : [id];
    });
  }

  /** Ranked message hits for a parsed query. */
  search(q: KeywordQuery, options: KeywordSearchOptions): KeywordIndexHit[] {
    const terms = this.termIds(q.terms);
    if (terms.length === 0) return [];
    const excluded = this.termIds(q.excluded);
    const accept = options.accept ?? (() => true);
    const windowWeight = options.windowWeight ?? 2;
    const merge = options.mergeDistance ?? 0;
    const msg = this.messageUnits.score(terms, this.params);
    const win = this.windowUnits.score(terms, this.params);
    const { fused, via, messageScore } = this;
    const isExcluded = (m: number) => excluded.some((t) => this.messageUnits.tfOf(t, m) > 0);

    // Each message's fused score: its own BM25 (normalised by the best message score) plus the
    // best normalised score of a window it is the best message of.
    let maxMsg = 0;
    for (const s of msg.scores) if (s > maxMsg) maxMsg = s;
    let maxWin = 0;
    for (const s of win.scores) if (s > maxWin) maxWin = s;
    const candidates: number[] = [];
    try {
      for (let i = 0; i < msg.units.length; i++) messageScore[msg.units[i]!] = msg.scores[i]!;
      for (let i = 0; i < msg.units.length; i++) {
        const m = msg.units[i]!;
        if (!accept(m) || isExcluded(m)) continue;
        fused[m] = msg.scores[i]! / (maxMsg || 1);
        via[m] = 1;
        candidates.push(m);
      }
      for (let i = 0; i < win.units.length; i++) {
        const w = win.units[i]!;
        let best = -1;
        let bestScore = 0;
        for (let m = this.windowStart[w]!; m < this.windowEnd[w]!; m++) {
          const s = messageScore[m]!;
          if (s > bestScore && accept(m) && !isExcluded(m)) [best, bestScore] = [m, s];
        }
        if (best < 0) continue;
        const s = (windowWeight * win.scores[i]!) / (maxWin || 1);
        if (via[best] === 0) {
          fused[best] = s;
          candidates.push(best);
        } else if (s > 0) {
          const cur = fused[best]!;
          fused[best] = Math.max(cur, s) + 0.5 * Math.min(cur, s);
        }
        via[best] = 2;
      }

      // The best few in order; more only when phrases or merging leave too few.
      for (let k = Math.max(64, options.limit * 8); ; k *= 8) {
        const out: KeywordIndexHit[] = [];
        const taken = new Map<number, number[]>();
        let checked = 0;
        const ranked = topK(candidates, fused, k);
        for (const m of ranked) {
          if (out.length >= options.limit) break;
          if (q.phrases.length > 0) {
            if (++checked > 20_000) break;
            if (!this.holdsPhrases(q, m)) continue;
          }
          const conv = this.columns.conversation[m]!;
          const near = taken.get(conv);
          if (near?.some((x) => Math.abs(x - m) < merge)) continue;
          if (near) near.push(m);
          else taken.set(conv, [m]);
          out.push({
            messageIndex: m,
            score: fused[m]!,
            viaWindow: via[m] === 2,
            coverage: this.coverage(terms, q.terms.length - terms.length, m),
          });
        }
        if (out.length >= options.limit || ranked.length === candidates.length || checked > 20_000) return out;
      }
    } finally {
      for (const m of msg.units) messageScore[m] = 0;
      for (const m of candidates) {
        fused[m] = 0;
        via[m] = 0;
      }
    }
  }

  /** Keyword score of single messages (only those holding a term): for picking a chunk's best message. */
  messageScores(q: KeywordQuery, messageIndexes: number[]): Map<number, number> {
    const out = new Map<number, number>();
    const terms = this.termIds(q.terms);
    if (terms.length === 0) return out;
    for (const m of messageIndexes) {
      const s = this.messageUnits.scoreOf(terms, m, this.params);
      if (s > 0) out.set(m, s);
    }
    return out;
  }

  /**
   * idf-weighted share of the query's terms in message m or in a window holding it, whichever is
   * more; `unknown` query terms the dataset never uses count with the highest idf there is.
   */
  private coverage(terms: number[], unknown: number, m: number): number {
    let total = unknown * Math.log(1 + (this.messageUnits.units + 0.5) / 0.5);
    let inMessage = 0;
    const windows: number[] = [];
    // Windows are in start order: the last one starting at or before m, then back while they still cover m.
    let lo = 0;
    let hi = this.windowStart.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.windowStart[mid]! <= m) lo = mid + 1;
      else hi = mid - 1;
    }
    for (let w = hi; w >= 0 && w >= hi - 4; w--)
      if (this.windowStart[w]! <= m && this.windowEnd[w]! > m) windows.push(w);
    const inWindow = windows.map(() => 0);
    for (const t of terms) {
      const idf = this.messageUnits.idf(t);
      total += idf;
      if (this.messageUnits.tfOf(t, m) > 0) inMessage += idf;
      windows.forEach((w, i) => {
        if (this.windowUnits.tfOf(t, w) > 0) inWindow[i]! += idf;
      });
    }
    return total > 0 ? Math.max(inMessage, ...inWindow) / total : 0;
  }

  private holdsPhrases(q: KeywordQuery, m: number): boolean {
    const terms = this.analyzer.terms(this.texts[m] ?? "");
    return q.phrases.every((p) => containsSequence(terms, p));
  }
}
