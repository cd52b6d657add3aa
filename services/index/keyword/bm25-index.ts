// An in-memory BM25 index of one dataset's messages, over two kinds of unit: single messages, and
// windows of consecutive messages of one conversation (in chats the words of one question are
// spread over several short messages, so a window finds what no single message holds). Each kind
// keeps its own document frequencies and average length. A search scores both, fuses them per
// message (a window's hit resolves to its best-scoring message), drops repeats of one message and
// merges nearby hits of one conversation, and applies the filters on the message arrays it holds,
// so a filtered search costs what an unfiltered one does.
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

/** Postings of one unit kind, as flat typed arrays per term. */
class Postings {
  readonly units: number;
  readonly length: Float32Array;
  readonly avgLength: number;
  private readonly postings = new Map<string, { unit: Int32Array; tf: Uint16Array }>();
  private readonly acc: Float32Array;

  constructor(termLists: (string[] | undefined)[]) {
    this.units = termLists.length;
    this.length = new Float32Array(this.units);
    this.acc = new Float32Array(this.units);
    const building = new Map<string, number[]>();
    let total = 0;
    for (let u = 0; u < termLists.length; u++) {
      const terms = termLists[u] ?? [];
      this.length[u] = terms.length;
      total += terms.length;
      const counts = new Map<string, number>();
      for (const t of terms) counts.set(t, (counts.get(t) ?? 0) + 1);
      for (const [t, n] of counts) {
        let list = building.get(t);
        if (!list) building.set(t, (list = []));
        list.push(u, Math.min(n, 65535));
      }
    }
    this.avgLength = this.units > 0 ? total / this.units || 1 : 1;
    for (const [t, list] of building) {
      const unit = new Int32Array(list.length / 2);
      const tf = new Uint16Array(list.length / 2);
      for (let i = 0; i < unit.length; i++) {
        unit[i] = list[2 * i]!;
        tf[i] = list[2 * i + 1]!;
      }
      this.postings.set(t, { unit, tf });
    }
  }

  get termCount(): number {
    return this.postings.size;
  }

  idf(term: string): number {
    const df = this.postings.get(term)?.unit.length ?? 0;
    return Math.log(1 + (this.units - df + 0.5) / (df + 0.5));
  }

  has(term: string, unit: number): boolean {
    const p = this.postings.get(term);
    if (!p) return false;
    // Postings are in unit order: binary search.
    let lo = 0;
    let hi = p.unit.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = p.unit[mid]!;
      if (v === unit) return true;
      if (v < unit) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  /** BM25 scores of every unit holding at least one term: [unit, score] pairs (a fresh array). */
  score(terms: string[], params: Bm25Params): { units: Int32Array; scores: Float32Array } {
    const touched: number[] = [];
    const { k1, b } = params;
    const n = this.units;
    for (const t of terms) {
      const p = this.postings.get(t);
      if (!p) continue;
      const df = p.unit.length;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      const norm = k1 * (1 - b);
      const perLength = (k1 * b) / this.avgLength;
      for (let i = 0; i < p.unit.length; i++) {
        const u = p.unit[i]!;
        const f = p.tf[i]!;
        if (this.acc[u] === 0) touched.push(u);
        this.acc[u]! += (idf * f * (k1 + 1)) / (f + norm + perLength * this.length[u]!);
      }
    }
    const units = Int32Array.from(touched);
    const scores = new Float32Array(units.length);
    for (let i = 0; i < units.length; i++) {
      scores[i] = this.acc[units[i]!]!;
      this.acc[units[i]!] = 0;
    }
    return { units, scores };
  }
}

export class KeywordIndex {
  private readonly messageUnits: Postings;
  private readonly windowUnits: Postings;
  /** First message index of each window; a window spans `windowSize` messages (fewer at a conversation's end). */
  private readonly windowStart: Int32Array;
  private readonly windowEnd: Int32Array;

  /**
   * `messages` in conversation order (by conversation, then time); `texts[i]` is message i's text.
   * Windows follow the talk: a conversation is cut where `windowGapMs` passes without a message
   * (a new exchange begins), and a stretch longer than `windowSize` messages is covered by windows
   * of that size overlapping by half, so a window is one exchange or a slice of a long one.
   */
  constructor(
    readonly analyzer: Analyzer,
    readonly messages: IndexedMessage[],
    private readonly texts: string[],
    readonly params: Bm25Params,
    readonly windowSize = 40,
    readonly windowGapMs = 30 * 60_000,
  ) {
    const termLists = texts.map((t) => analyzer.terms(t));
    this.messageUnits = new Postings(termLists);
    const starts: number[] = [];
    const ends: number[] = [];
    const stride = Math.max(1, Math.floor(windowSize / 2));
    let segStart = 0;
    for (let i = 1; i <= messages.length; i++) {
      const cut =
        i === messages.length ||
        messages[i]!.conversation !== messages[segStart]!.conversation ||
        messages[i]!.ts - messages[i - 1]!.ts > windowGapMs;
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
    this.windowUnits = new Postings(starts.map((s, w) => termLists.slice(s, ends[w]).flat()));
  }

  get size(): { messages: number; windows: number; terms: number } {
    return { messages: this.messages.length, windows: this.windowStart.length, terms: this.messageUnits.termCount };
  }

  text(messageIndex: number): string {
    return this.texts[messageIndex] ?? "";
  }

  /** Ranked message hits for a parsed query. */
  search(q: KeywordQuery, options: KeywordSearchOptions): KeywordIndexHit[] {
    if (q.terms.length === 0) return [];
    const accept = options.accept ?? (() => true);
    const windowWeight = options.windowWeight ?? 2;
    const merge = options.mergeDistance ?? 0;
    const msg = this.messageUnits.score(q.terms, this.params);
    const win = this.windowUnits.score(q.terms, this.params);

    const messageScore = new Map<number, number>();
    for (let i = 0; i < msg.units.length; i++) messageScore.set(msg.units[i]!, msg.scores[i]!);

    // Each message's fused score: its own BM25 (normalised by the best message score) plus the
    // best normalised score of a window it is the best message of.
    const maxMsg = Math.max(0, ...msg.scores);
    const maxWin = Math.max(0, ...win.scores);
    const fused = new Map<number, { score: number; viaWindow: boolean }>();
    for (const [m, s] of messageScore) if (accept(m) && !this.excluded(q, m)) fused.set(m, { score: s / (maxMsg || 1), viaWindow: false });
    for (let i = 0; i < win.units.length; i++) {
      const w = win.units[i]!;
      const best = this.bestMessageOf(w, messageScore, accept, q);
      if (best === undefined) continue;
      const s = (windowWeight * win.scores[i]!) / (maxWin || 1);
      const cur = fused.get(best);
      if (!cur) fused.set(best, { score: s, viaWindow: true });
      else if (s > 0) fused.set(best, { score: Math.max(cur.score, s) + 0.5 * Math.min(cur.score, s), viaWindow: true });
    }

    const ranked = [...fused.entries()].sort((a, b) => b[1].score - a[1].score || a[0] - b[0]);
    const out: KeywordIndexHit[] = [];
    const taken = new Map<number, number[]>();
    let checked = 0;
    for (const [m, f] of ranked) {
      if (out.length >= options.limit) break;
      if (q.phrases.length > 0) {
        if (++checked > 20_000) break;
        if (!this.holdsPhrases(q, m)) continue;
      }
      const conv = this.messages[m]!.conversation;
      const near = taken.get(conv);
      if (near?.some((x) => Math.abs(x - m) < merge)) continue;
      if (near) near.push(m);
      else taken.set(conv, [m]);
      out.push({ messageIndex: m, score: f.score, viaWindow: f.viaWindow, coverage: this.coverage(q, m) });
    }
    return out;
  }

  /** Keyword score of single messages (0 where no term matches): for picking a chunk's best message. */
  messageScores(q: KeywordQuery, messageIndexes: number[]): Map<number, number> {
    const wanted = new Set(messageIndexes);
    const out = new Map<number, number>();
    if (q.terms.length === 0) return out;
    const s = this.messageUnits.score(q.terms, this.params);
    for (let i = 0; i < s.units.length; i++) if (wanted.has(s.units[i]!)) out.set(s.units[i]!, s.scores[i]!);
    return out;
  }

  private bestMessageOf(w: number, messageScore: Map<number, number>, accept: (m: number) => boolean, q: KeywordQuery): number | undefined {
    let best: number | undefined;
    let bestScore = 0;
    for (let m = this.windowStart[w]!; m < this.windowEnd[w]!; m++) {
      if (!accept(m) || this.excluded(q, m)) continue;
      const s = messageScore.get(m) ?? 0;
      if (s > bestScore) [best, bestScore] = [m, s];
    }
    return best;
  }

  /** idf-weighted share of the query's terms in message m or in a window holding it, whichever is more. */
  private coverage(q: KeywordQuery, m: number): number {
    let total = 0;
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
    for (let w = hi; w >= 0 && w >= hi - 4; w--) if (this.windowStart[w]! <= m && this.windowEnd[w]! > m) windows.push(w);
    const inWindow = windows.map(() => 0);
    for (const t of q.terms) {
      const idf = this.messageUnits.idf(t);
      total += idf;
      if (this.messageUnits.has(t, m)) inMessage += idf;
      windows.forEach((w, i) => {
        if (this.windowUnits.has(t, w)) inWindow[i]! += idf;
      });
    }
    return total > 0 ? Math.max(inMessage, ...inWindow) / total : 0;
  }

  private excluded(q: KeywordQuery, m: number): boolean {
    for (const t of q.excluded) if (this.messageUnits.has(t, m)) return true;
    return false;
  }

  private holdsPhrases(q: KeywordQuery, m: number): boolean {
    const terms = this.analyzer.terms(this.texts[m] ?? "");
    return q.phrases.every((p) => containsSequence(terms, p));
  }
}
