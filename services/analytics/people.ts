/**
 * Per-person breakdown (chat-analytics' per-author stats, and more): messages, words,
 * emoji with their counts, media, links, calls, @mentions made and received, replies
 * sent (platforms that export reply links), reactions received (platforms that export
 * them) and the most reacted messages. One keyset-paginated pass over the filtered
 * messages; counting happens here because emoji, links and words need the text.
 */
import { sql } from "drizzle-orm";
import type { Db } from "../../models/db.ts";
import { words } from "../../lib/text/tokenize.ts";
import { preview } from "../../lib/text/text-cut.ts";
import { type ActivityFilter, messageWhere } from "./activity.ts";
import { rowsOf } from "../../models/sql.ts";
import { extractEmoji, extractLinks, type Counted } from "./text-stats.ts";

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

interface Row {
  id: unknown;
  participant_id: string | null;
  name: string | null;
  kind: string;
  text: string;
  ts: unknown;
  reply_to: string | null;
  reactions: unknown;
}

export async function peopleReport(
  db: Db,
  f: ActivityFilter,
  options: { top?: number; batchSize?: number } = {},
): Promise<PeopleReport> {
  const batchSize = options.batchSize ?? 5000;
  const top = options.top ?? 20;
  // Handles people are mentioned by: their first name and their whole name without spaces, lower-cased.
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

  const stats = new Map<string, PersonStats & { emojiCounts: Map<string, number> }>();
  const person = (id: string, name: string | null) => {
    let s = stats.get(id);
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
      stats.set(id, s);
    }
    return s;
  };
  const reacted: ReactedMessage[] = [];
  let hasReactions = false;
  let after = 0;
  for (;;) {
    const batch = await rowsOf<Row>(
      db,
      sql`select m.id, m.participant_id, p.display_name as name, m.kind, m.text, m.ts, m.reply_to, m.reactions
          from messages m left join participants p on p.id = m.participant_id
          where ${messageWhere(f)} and m.id > ${after} order by m.id limit ${batchSize}`,
    );
    for (const r of batch) {
      const reactions = (typeof r.reactions === "string" ? JSON.parse(r.reactions) : r.reactions) as
        { emoji: string; count: number }[] | null;
      const reactionCount = Array.isArray(reactions) ? reactions.reduce((n, x) => n + (Number(x.count) || 0), 0) : 0;
      if (reactionCount > 0) {
        hasReactions = true;
        const item: ReactedMessage = {
          messageId: Number(r.id),
          author: r.name,
          ts: new Date(r.ts as string).toISOString(),
          text: preview(r.text, 160),
          reactions: reactionCount,
          top: [...reactions!]
            .sort((a, b) => b.count - a.count)
            .slice(0, 3)
            .map((x) => x.emoji),
        };
        // Keep the best `top` seen so far (a small sorted list, not every reacted message).
        if (reacted.length < top || reactionCount > reacted[reacted.length - 1]!.reactions) {
          reacted.push(item);
          reacted.sort((a, b) => b.reactions - a.reactions || a.messageId - b.messageId);
          if (reacted.length > top) reacted.pop();
        }
      }
      if (!r.participant_id || r.kind === "system") continue;
      const s = person(r.participant_id, r.name);
      s.messages++;
      s.reactionsReceived += reactionCount;
      if (r.reply_to) s.repliesSent++;
      if (MEDIA_KINDS.has(r.kind)) s.media++;
      if (r.kind === "call") s.calls++;
      if (r.kind !== "text" || !r.text) continue;
      for (const w of words(r.text)) if (w !== null) s.words++;
      for (const e of extractEmoji(r.text)) {
        s.emoji++;
        s.emojiCounts.set(e, (s.emojiCounts.get(e) ?? 0) + 1);
      }
      s.links += extractLinks(r.text).length;
      for (const m of r.text.matchAll(MENTION)) {
        const target = handleOf.get(m[1]!.normalize("NFKC").toLowerCase().replace(/[.]+$/u, ""));
        s.mentionsMade++;
        if (target) person(target, participants.find((p) => p.id === target)?.display_name ?? null).mentioned++;
      }
    }
    if (batch.length < batchSize) break;
    after = Number(batch[batch.length - 1]!.id);
  }
  const people = [...stats.values()]
    .filter((s) => s.messages > 0 || s.mentioned > 0)
    .map(({ emojiCounts, ...s }) => ({
      ...s,
      topEmoji: [...emojiCounts]
        .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
        .slice(0, 5)
        .map(([value, count]) => ({ value, count })),
    }))
    .sort((a, b) => b.messages - a.messages || (a.name < b.name ? -1 : 1))
    .slice(0, Math.max(top, 50));
  return { people, topReacted: reacted, hasReactions };
}
