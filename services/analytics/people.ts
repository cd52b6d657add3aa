/**
 * Per-person breakdown (chat-analytics' per-author stats, and more): messages, words,
 * emoji with their counts, media, links, calls, @mentions made and received, replies
 * sent (platforms that export reply links), reactions received (platforms that export
 * them) and the most reacted messages. Counted over the dashboard's one scan of the
 * filtered messages (message-scan.ts), since emoji, links and words need the text.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../models/db.ts";
import { preview } from "../../lib/text/text-cut.ts";
import type { ActivityFilter } from "./activity.ts";
import { rowsOf } from "../../models/sql.ts";
import type { ScannedMessage } from "./message-scan.ts";
import type { Counted } from "./text-stats.ts";

export interface PersonStats {
  participantId: string;
  name: string;
  messages: number;
  words: number;
  emoji: number;
  topEmoji: Counted[];
  media: number;
  links: number;
  calls: number;
  mentionsMade: number;
  mentioned: number;
  repliesSent: number;
  reactionsReceived: number;
}

export interface ReactedMessage {
  messageId: number;
  author: string | null;
  ts: string;
  text: string;
  reactions: number;
  top: string[];
}

export interface PeopleReport {
  people: PersonStats[];
  topReacted: ReactedMessage[];
  /** Whether any message in range carried reactions (exports without them show no reaction charts). */
  hasReactions: boolean;
}

const MEDIA_KINDS = new Set(["media", "sticker"]);
/** @name, @first.last, @+491701234567: the handle as written. */
const MENTION = /(?:^|[^\p{L}\p{N}_])@([\p{L}\p{N}_.+-]{2,40})/gu;

type Person = PersonStats & { emojiCounts: Map<string, number> };

/** Handles people are mentioned by: their first name and their whole name without spaces, lower-cased. */
export async function participantHandles(db: Db, f: ActivityFilter) {
  const participants = await rowsOf<{ id: string; display_name: string | null }>(
    db,
    sql`select id, display_name from participants where org_id = ${f.orgId} and dataset_id = ${f.datasetId}`,
  );
  const handleOf = new Map<string, string>();
  for (const p of participants) {
    const name = (p.display_name ?? "").normalize("NFKC").toLowerCase().trim();
    if (!name) continue;
    handleOf.set(name.replace(/\s+/gu, ""), p.id);
    const first = name.split(/\s+/u)[0]!;
    if (!handleOf.has(first)) handleOf.set(first, p.id);
  }
  return { handleOf, nameOf: new Map(participants.map((p) => [p.id, p.display_name])) };
}

/** Counts per person over the batches of the dashboard's message scan (message-scan.ts), then `result`. */
export class PeopleCounter {
  readonly needs = { allKinds: true, author: true };
  private readonly stats = new Map<string, Person>();
  private readonly reacted: ReactedMessage[] = [];
  private hasReactions = false;

  constructor(
    private readonly handles: Awaited<ReturnType<typeof participantHandles>>,
    private readonly top = 20,
  ) {}

  private person(id: string, name: string | null): Person {
    let s = this.stats.get(id);
    if (!s) {
      s = {
        participantId: id,
        name: name ?? "Unknown",
        messages: 0,
        words: 0,
        emoji: 0,
        topEmoji: [],
        media: 0,
        links: 0,
        calls: 0,
        mentionsMade: 0,
        mentioned: 0,
        repliesSent: 0,
        reactionsReceived: 0,
        emojiCounts: new Map(),
      };
      this.stats.set(id, s);
    }
    return s;
  }

  visit(batch: readonly ScannedMessage[]): void {
    for (const r of batch) {
      const reactions = (typeof r.reactions === "string" ? JSON.parse(r.reactions) : r.reactions) as
        { emoji: string; count: number }[] | null;
      const reactionCount = Array.isArray(reactions) ? reactions.reduce((n, x) => n + (Number(x.count) || 0), 0) : 0;
      if (reactionCount > 0) this.keepReacted(r, reactions!, reactionCount);
      if (!r.participantId || r.kind === "system") continue;
      const s = this.person(r.participantId, r.name);
      s.messages++;
      s.reactionsReceived += reactionCount;
      if (r.replyTo) s.repliesSent++;
      if (MEDIA_KINDS.has(r.kind)) s.media++;
      if (r.kind === "call") s.calls++;
      if (r.kind !== "text" || !r.text) continue;
      const facts = r.textFacts;
      for (const w of facts.words) if (w !== null) s.words++;
      for (const e of facts.emoji) {
        s.emoji++;
        s.emojiCounts.set(e, (s.emojiCounts.get(e) ?? 0) + 1);
      }
      s.links += facts.links.length;
      for (const m of r.text.matchAll(MENTION)) {
        const target = this.handles.handleOf.get(m[1]!.normalize("NFKC").toLowerCase().replace(/[.]+$/u, ""));
        s.mentionsMade++;
        if (target) this.person(target, this.handles.nameOf.get(target) ?? null).mentioned++;
      }
    }
  }

  /** Keeps the best `top` seen so far (a small sorted list, not every reacted message). */
  private keepReacted(r: ScannedMessage, reactions: { emoji: string; count: number }[], count: number): void {
    this.hasReactions = true;
    const reacted = this.reacted;
    if (reacted.length >= this.top && count <= reacted[reacted.length - 1]!.reactions) return;
    reacted.push({
      messageId: r.id,
      author: r.name,
      ts: new Date(r.ts as string).toISOString(),
      text: preview(r.text, 160),
      reactions: count,
      top: [...reactions]
        .sort((a, b) => b.count - a.count)
        .slice(0, 3)
        .map((x) => x.emoji),
    });
    reacted.sort((a, b) => b.reactions - a.reactions || a.messageId - b.messageId);
    if (reacted.length > this.top) reacted.pop();
  }

  result(): PeopleReport {
    const people = [...this.stats.values()]
      .filter((s) => s.messages > 0 || s.mentioned > 0)
      .map(({ emojiCounts, ...s }) => ({
        ...s,
        topEmoji: [...emojiCounts]
          .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
          .slice(0, 5)
          .map(([value, count]) => ({ value, count })),
      }))
      .sort((a, b) => b.messages - a.messages || (a.name < b.name ? -1 : 1))
      .slice(0, Math.max(this.top, 50));
    return { people, topReacted: this.reacted, hasReactions: this.hasReactions };
  }
}
