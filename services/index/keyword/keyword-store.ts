// Keyword (BM25) indexes of datasets, built from the database on first use and kept in memory.
// Before each use the dataset's content stamp (the newest message_changes row, written by
// statement triggers on messages) is read — one index probe per dataset — and an index older
// than it is rebuilt, so imports and deletions show on every node. One build per dataset at a
// time. A small dataset's searches wait for its rebuild (well under a second), so they see the
// change at once; a big one's (`backgroundRebuildAbove` messages, where a build takes seconds to
// tens of seconds) keep answering from the previous index while the new one is built, then
// switch: new messages appear a build later, deleted ones are dropped when hits are resolved
// against the database. Least recently used indexes go past `maxDatasets`.
import { sql } from "drizzle-orm";
import type { Db } from "../../../models/db.ts";
import { rowsOf } from "../../../models/sql.ts";
import type { SearchFilters } from "../search-sql.ts";
import { analyzer, detectLanguage, KEYWORD_LANGUAGES, type KeywordLanguage } from "./analyzer.ts";
import { KeywordIndex, tokenizeInSlices, type Bm25Params } from "./bm25-index.ts";

export interface KeywordStoreOptions {
  params: Bm25Params;
  windowMessages: number;
  windowGapMinutes: number;
  /** "auto" detects each dataset's language from its text. */
  language: "auto" | KeywordLanguage;
  maxDatasets: number;
  /** Indexes of at least this many messages are rebuilt in the background (default 100,000). */
  backgroundRebuildAbove?: number;
}

/** A dataset's keyword index and what maps its message positions back to rows and filters. */
export class DatasetKeywords {
  readonly byId = new Map<number, number>();

  constructor(
    readonly datasetId: string,
    readonly stamp: number,
    readonly index: KeywordIndex,
    readonly ids: Float64Array,
    readonly conversationIds: string[],
    readonly participantIds: (string | null)[],
    readonly kinds: string[],
    /** Platform of each conversation (by conversation number). */
    readonly platforms: string[],
  ) {
    ids.forEach((id, i) => this.byId.set(id, i));
  }

  /** A test on message positions for the filters, or undefined when there are none. */
  filter(f: SearchFilters): ((m: number) => boolean) | undefined {
    const cols = this.index.columns;
    const tests: ((m: number) => boolean)[] = [];
    const numbers = (values: string[] | undefined, names: (string | null)[]) => {
      const wanted = new Set(values);
      return new Set(names.flatMap((n, i) => (n !== null && wanted.has(n) ? [i] : [])));
    };
    if (f.conversationIds?.length) {
      const set = numbers(f.conversationIds, this.conversationIds);
      tests.push((m) => set.has(cols.conversation[m]!));
    }
    if (f.participantIds?.length) {
      const set = numbers(f.participantIds, this.participantIds);
      tests.push((m) => set.has(cols.participant[m]!));
    }
    if (f.kinds?.length) {
      const set = numbers(f.kinds, this.kinds);
      tests.push((m) => set.has(cols.kind[m]!));
    }
    if (f.platforms?.length) {
      const set = numbers(f.platforms, this.platforms);
      tests.push((m) => set.has(cols.conversation[m]!));
    }
    if (f.from) {
      const from = f.from.getTime();
      tests.push((m) => cols.ts[m]! >= from);
    }
    if (f.to) {
      const to = f.to.getTime();
      tests.push((m) => cols.ts[m]! <= to);
    }
    if (tests.length === 0) return undefined;
    return (m) => tests.every((t) => t(m));
  }
}

export class KeywordStore {
  private readonly cache = new Map<string, DatasetKeywords>();
  private readonly building = new Map<string, Promise<DatasetKeywords>>();
  /** How often each dataset was forgotten: a build started before the last time is not cached. */
  private readonly forgotten = new Map<string, number>();

  constructor(
    private readonly db: Db,
    readonly options: KeywordStoreOptions,
  ) {}

  /** The datasets' current stamps (0 for a dataset with no recorded change). */
  async stamps(datasetIds: string[]): Promise<Map<string, number>> {
    // One backward probe of (dataset_id, id) per dataset, whatever the number of changes recorded.
    const rows = await rowsOf<{ dataset_id: string; v: string | number | null }>(
      this.db,
      sql`select d.id as dataset_id,
                 (select c.id from message_changes c where c.dataset_id = d.id order by c.id desc limit 1) as v
          from unnest(${`{${datasetIds.join(",")}}`}::uuid[]) as d(id)`,
    );
    const out = new Map(datasetIds.map((id) => [id, 0]));
    for (const r of rows) out.set(r.dataset_id, Number(r.v ?? 0));
    return out;
  }

  /** Up-to-date keyword indexes of the datasets (of one org, checked by the caller). */
  async get(datasetIds: string[]): Promise<DatasetKeywords[]> {
    const stamps = await this.stamps(datasetIds);
    return Promise.all(datasetIds.map((id) => this.current(id, stamps.get(id) ?? 0)));
  }

  /**
   * Brings the dataset's index up to date in the background (after an import, so the first search
   * does not pay the build). Never fails: a search builds what a failed warm-up did not.
   */
  warm(datasetId: string): Promise<void> {
    return this.get([datasetId]).then(
      () => {},
      () => {},
    );
  }

  /** Whether an index of the dataset is held (current or not). */
  holds(datasetId: string): boolean {
    return this.cache.has(datasetId);
  }

  /** Drops the dataset's index; a build already running is not kept either (it may have read old settings). */
  forget(datasetId: string): void {
    this.cache.delete(datasetId);
    this.building.delete(datasetId);
    this.forgotten.set(datasetId, (this.forgotten.get(datasetId) ?? 0) + 1);
  }

  private current(datasetId: string, stamp: number): Promise<DatasetKeywords> {
    const cached = this.cache.get(datasetId);
    const fresh = cached !== undefined && cached.stamp >= stamp;
    const stale =
      cached !== undefined && !fresh && cached.index.size.messages >= (this.options.backgroundRebuildAbove ?? 100_000);
    if (fresh || stale) {
      // Most recently used last.
      this.cache.delete(datasetId);
      this.cache.set(datasetId, cached);
      if (stale && !this.building.has(datasetId)) this.startBuild(datasetId, stamp).catch(() => {});
      return Promise.resolve(cached);
    }
    return this.building.get(datasetId) ?? this.startBuild(datasetId, stamp);
  }

  /** Whether a build of the dataset's index is running (a search meanwhile may use the previous one). */
  isBuilding(datasetId: string): boolean {
    return this.building.has(datasetId);
  }

  private startBuild(datasetId: string, stamp: number): Promise<DatasetKeywords> {
    const generation = this.forgotten.get(datasetId) ?? 0;
    const current = () => (this.forgotten.get(datasetId) ?? 0) === generation;
    const build: Promise<DatasetKeywords> = this.build(datasetId, stamp)
      .then((k) => {
        if (!current()) return k;
        this.cache.delete(datasetId);
        this.cache.set(datasetId, k);
        while (this.cache.size > this.options.maxDatasets) this.cache.delete(this.cache.keys().next().value!);
        return k;
      })
      .finally(() => {
        if (this.building.get(datasetId) === build) this.building.delete(datasetId);
      });
    this.building.set(datasetId, build);
    return build;
  }

  private async build(datasetId: string, stamp: number): Promise<DatasetKeywords> {
    const conversations = await rowsOf<{ id: string; platform: string }>(
      this.db,
      sql`select id, platform from conversations where dataset_id = ${datasetId} order by id`,
    );
    const convNo = new Map(conversations.map((c, i) => [c.id, i]));
    const participantNo = new Map<string | null, number>();
    const participantIds: (string | null)[] = [];
    const kindNo = new Map<string, number>();
    const kinds: string[] = [];
    const numberOf = <K>(map: Map<K, number>, list: K[], key: K) => {
      let n = map.get(key);
      if (n === undefined) {
        n = list.length;
        map.set(key, n);
        list.push(key);
      }
      return n;
    };
    const conversation: number[] = [];
    const participant: number[] = [];
    const times: number[] = [];
    const kind: number[] = [];
    const texts: string[] = [];
    const ids: number[] = [];
    // Paged by (conversation, ts, id) so a large dataset never sits in one result whole.
    let after: { c: string; ts: string; id: number } | undefined;
    for (;;) {
      const page = await rowsOf<{
        id: string | number;
        conversation_id: string;
        participant_id: string | null;
        ts: Date | string;
        kind: string;
        text: string;
        tsk: string;
      }>(
        this.db,
        sql`select id, conversation_id, participant_id, ts, ts::text as tsk, kind, text from messages
            where dataset_id = ${datasetId}
              ${after ? sql`and (conversation_id, ts, id) > (${after.c}::uuid, ${after.ts}::timestamptz, ${after.id})` : sql``}
            order by conversation_id, ts, id limit 20000`,
      );
      for (const r of page) {
        const conv = convNo.get(r.conversation_id);
        if (conv === undefined) continue;
        conversation.push(conv);
        participant.push(numberOf(participantNo, participantIds, r.participant_id));
        times.push(new Date(r.ts).getTime());
        kind.push(numberOf(kindNo, kinds, r.kind));
        texts.push(r.text);
        ids.push(Number(r.id));
      }
      if (page.length < 20000) break;
      const last = page[page.length - 1]!;
      after = { c: last.conversation_id, ts: last.tsk, id: Number(last.id) };
    }
    // The dataset's own choice, else the platform's; "auto" detects it from the text.
    const [chosen] = await rowsOf<{ keyword_language: string | null }>(
      this.db,
      sql`select keyword_language from datasets where id = ${datasetId}`,
    );
    const choice = (chosen?.keyword_language ?? this.options.language) as "auto" | KeywordLanguage;
    const language = choice === "auto" || !KEYWORD_LANGUAGES.includes(choice) ? detectLanguage(texts) : choice;
    const columns = {
      conversation: Int32Array.from(conversation),
      participant: Int32Array.from(participant),
      ts: Float64Array.from(times),
      kind: Int32Array.from(kind),
    };
    const lang = analyzer(language);
    const tokenized = await tokenizeInSlices(lang, texts);
    const index = new KeywordIndex(
      lang,
      columns,
      texts,
      this.options.params,
      this.options.windowMessages,
      this.options.windowGapMinutes * 60_000,
      tokenized,
    );
    return new DatasetKeywords(
      datasetId,
      stamp,
      index,
      Float64Array.from(ids),
      conversations.map((c) => c.id),
      participantIds,
      kinds,
      conversations.map((c) => c.platform),
    );
  }
}
